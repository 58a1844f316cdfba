"""The cases pages' blueprint, on its own so that `views` (which imports every page module to register its routes)
and the page modules (which add routes to it) do not import each other."""

from __future__ import annotations

from flask import Blueprint

from xborder.cases.permissions import can_act
from xborder.web import helpers as web_helpers

bp = Blueprint("cases", __name__)
web_helpers.register(bp)
# Pages ask the one permission rule, e.g. `can_act(current_user, case, "edit_declaration")`.
bp.add_app_template_global(can_act, "can_act")
