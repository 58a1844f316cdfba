"""Two requests at once on one exporter's running totals: creations and withdrawals interleaved from several threads
(each request its own connection and transaction, as server workers would be) leave the totals exactly the sum of
the counted cases' transfers, with no lost update and no deadlock (the status trigger of migration b8d4f0e2a316 and
the creation's upsert lock the same rows)."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from tests.helpers.factories import Factory, auth, declaration


def test_concurrent_creations_and_withdrawals_keep_the_totals_exact(own_app):
    from xborder.extensions import db

    with own_app.app_context():
        factory = Factory(db)
        org = factory.organisation()
        token = factory.token(factory.user(organisation=org))
        org_id, uscc = org.id, org.uscc
        db.session.commit()
        db.session.remove()
    statuses: list[int] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        client = own_app.test_client()
        for i in range(6):
            made = client.post("/api/v1/cases", headers=auth(token), json={
                "title": f"并发 {n}-{i}", "declaration": declaration(uscc, pi=1_000 * (n + 1) + i)})
            answers = [made.status_code]
            if made.status_code == 201 and i % 2 == 0:  # every other case withdrawn at once, beside others' intake
                case = made.get_json()
                answers.append(client.post(f"/api/v1/cases/{case['id']}/transitions", headers=auth(token), json={
                    "action": "withdraw", "version": case["version"], "comment": "并发撤回"}).status_code)
            with lock:
                statuses.extend(answers)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert statuses.count(201) == 24 and statuses.count(200) == 12, statuses

    with own_app.app_context():
        totals = db.session.execute(sa.text(
            "SELECT SUM(cases), SUM(transfers), SUM(pi_individuals) FROM case_transfer_totals "
            "WHERE exporter_id = :org"), {"org": org_id}).one()
        counted = db.session.execute(sa.text(
            "SELECT COUNT(DISTINCT t.case_id), COUNT(*), SUM(t.pi_individuals) FROM case_transfers t "
            "JOIN cases c ON c.id = t.case_id WHERE t.exporter_id = :org "
            "AND c.status NOT IN ('withdrawn', 'rejected')"), {"org": org_id}).one()
        db.session.remove()
    assert tuple(map(int, totals)) == tuple(map(int, counted))
    assert int(counted[0]) == 12
