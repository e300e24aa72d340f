"""A seeded synthetic parcel world: the waybill history the model is trained and backtested on."""

from screening.simulation.stream import COLUMNS, Simulation, companion, simulate
from screening.simulation.wire import waybill_dict

__all__ = ["COLUMNS", "Simulation", "companion", "simulate", "waybill_dict"]
