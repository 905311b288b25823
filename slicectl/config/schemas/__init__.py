"""Schemas of the core's config groups, one per ``_target_``: a group's keys,
types and ranges follow the class it builds. A paper's schemas live in its
package and are found through the registry."""
from slicectl.config.schemas.agents import BaselineCfg
from slicectl.config.schemas.base import Strict

__all__ = ["BaselineCfg", "Strict"]
