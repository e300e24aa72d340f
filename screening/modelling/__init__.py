"""Around the model: the offline dataset through the engine's own code, training, replays, backtests."""
