"""Shared dependencies: the resources built at start-up, read from the app's state."""

from typing import Annotated

from fastapi import Depends, Request

from screening.agreements import AgreementRegistry
from screening.engine import Engine
from screening.settings import Settings


async def get_engine(request: Request) -> Engine:
    """The engine built in the lifespan."""
    engine: Engine = request.app.state.engine
    return engine


async def get_app_settings(request: Request) -> Settings:
    """The settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


async def get_agreements(request: Request) -> AgreementRegistry:
    """The agreement-customer registry."""
    engine: Engine = request.app.state.engine
    return engine.agreements


EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
AgreementsDep = Annotated[AgreementRegistry, Depends(get_agreements)]
