"""The ASGI app for multi-worker servers: settings from the environment."""

from service.app import create_app
from service.config import load_settings

app = create_app(load_settings())
