"""An instance's :class:`ModelData`, coded at most once per instance object while it lives, so
that every report of one run reads the same arrays instead of coding the instance again.

Instances are frozen and their tables read-only, so the object itself is the key. An entry goes
when its instance is garbage-collected; the ModelData holds no reference back to it.
"""

from __future__ import annotations

import threading
import weakref

from placement_opt.instance import Instance
from placement_opt.model.data import ModelData

__all__ = ["model_data_of"]

_LOCK = threading.RLock()  # re-entrant: a weakref callback may run inside it
_CACHE: dict[int, tuple[weakref.ref[Instance], ModelData]] = {}


def model_data_of(instance: Instance) -> ModelData:
    """The coded arrays of ``instance``: built on the first call, the same object afterwards."""
    key = id(instance)
    with _LOCK:
        hit = _CACHE.get(key)
    if hit is not None and hit[0]() is instance:
        return hit[1]
    data = ModelData.from_instance(instance)

    def _forget(dead: weakref.ref[Instance]) -> None:
        with _LOCK:
            entry = _CACHE.get(key)
            if entry is not None and entry[0] is dead:
                del _CACHE[key]

    with _LOCK:
        _CACHE[key] = (weakref.ref(instance, _forget), data)
    return data
