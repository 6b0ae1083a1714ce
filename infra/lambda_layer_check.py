"""Does a built layer work on its own? ``python -I -S infra/lambda_layer_check.py LAYER SERVICE...``

Run by a Python with nothing but its standard library on its path (``-I -S``): imports every
module of the ``civicdesk`` package from ``LAYER`` (the layer's ``python/`` directory), creates
a client of each ``SERVICE`` (no call is made), checks that a service the layer does not keep is
unknown, and prints a JSON report: the modules imported, those compiled from source at import
(none, when the layer's bytecode is the interpreter's and no timestamp voids it), the services,
and any module that came from outside the layer and the standard library (none).
"""

from __future__ import annotations

import importlib
import importlib.machinery
import json
import pkgutil
import sys
import sysconfig

#: A service no CivicDesk code uses, whose model the trimmed layer must not have.
UNUSED_SERVICE = "ec2"


def main(layer: str, services: list[str]) -> dict:
    sys.path[:] = [layer, *(p for p in sys.path if p.startswith(sys.base_prefix))]
    compiled: list[str] = []
    source_to_code = importlib.machinery.SourceFileLoader.source_to_code

    def counting(self, data, path, *args, **kwargs):
        if str(path).startswith(layer):
            compiled.append(str(path))
        return source_to_code(self, data, path, *args, **kwargs)

    importlib.machinery.SourceFileLoader.source_to_code = counting  # type: ignore[method-assign]
    import civicdesk

    modules = [m.name for m in pkgutil.walk_packages(civicdesk.__path__, "civicdesk.")]
    for name in modules:
        importlib.import_module(name)
    import botocore.exceptions
    import botocore.session

    session = botocore.session.get_session()
    for service in services:
        session.create_client(service, region_name="eu-central-1", aws_access_key_id="check",
                              aws_secret_access_key="check")
    try:
        session.create_client(UNUSED_SERVICE, region_name="eu-central-1")
        unused_known = True
    except botocore.exceptions.UnknownServiceError:
        unused_known = False
    paths = sysconfig.get_paths()
    allowed = (layer, paths["stdlib"], paths["platstdlib"])
    outside = sorted(name for name, module in list(sys.modules.items())
                     if name != "__main__" and getattr(module, "__file__", None)
                     and not module.__file__.startswith(allowed))
    return {"python": sys.implementation.cache_tag, "modules": len(modules),
            "compiled_at_import": sorted(compiled), "services": services,
            f"{UNUSED_SERVICE}_model_present": unused_known, "outside": outside}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2:])))
