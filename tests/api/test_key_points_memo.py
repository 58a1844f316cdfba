"""A case's applicable key points, kept on the case between the calls of one request (issue 20), are those computed
afresh from its declaration and determination, and follow a change of either."""

from __future__ import annotations

from tests.helpers.factories import declaration
from xborder.cases import operations
from xborder.cases.keypoints import applicable_key_points
from xborder.law.declaration import validate_declaration
from xborder.law.keypoints import applicable_key_points as computed


def fresh(case):
    return computed(validate_declaration(case.declaration), case.determination)


def test_the_kept_key_points_are_the_computed_ones_and_follow_each_change(db, factory):
    org = factory.organisation()
    user = factory.user(organisation=org)
    case = operations.create_case(user, "要点", declaration(org.uscc, pi=150_000))
    first = applicable_key_points(case)
    assert first == fresh(case) and first
    assert applicable_key_points(case) == first and applicable_key_points(case) is not first  # a copy each time
    operations.update_declaration(user, case, case.version, declaration(org.uscc, pi=0, important=True))
    after_edit = applicable_key_points(case)
    assert after_edit == fresh(case) and after_edit != first  # the security assessment's key points
    case.determination = {**case.determination, "pathway": "exempt"}
    assert applicable_key_points(case) == fresh(case) == []
    db.session.expire(case)  # a reload reads new objects
    assert applicable_key_points(case) == fresh(case) == after_edit
