"""Every NHS trust of 2016/17 placed in its footprint, with the real signals stpkit reads."""

from __future__ import annotations

from collections import Counter

import pytest

from stpkit.domain import OrgKind
from stpkit.reference.footprints import load_footprints
from stpkit.reference.trusts import FEWEST_PLAUSIBLE_MEALS, PLAUSIBLE_MEAL_DAY_GBP, footprint_trusts, load_trusts


def test_every_trust_in_the_estates_return_is_placed_and_counted_once():
    trusts = load_trusts()
    assert len(trusts) == 236  # ERIC 2016/17 lists 236 trusts
    for trust in trusts.values():
        assert trust.memberships, trust.code
        assert {m.footprint for m in trust.memberships} <= set(load_footprints())
        # Shares of one trust add up to the whole trust: it is never counted twice nationally.
        assert sum(m.share for m in trust.memberships) == pytest.approx(1.0), trust.code


def test_trusts_of_every_kind():
    kinds = Counter(t.kind for t in load_trusts().values())
    # ERIC 2016/17: 154 acute (large, medium, small, teaching, specialist, multi-service), 49 mental
    # health and learning disability plus 4 of the 5 care trusts, 18 community plus Gloucestershire
    # Care Services, 10 ambulance.
    assert kinds == {
        OrgKind.ACUTE_TRUST: 154,
        OrgKind.MENTAL_HEALTH_TRUST: 53,
        OrgKind.COMMUNITY_TRUST: 19,
        OrgKind.AMBULANCE_TRUST: 10,
    }


def test_placements_where_the_lookups_fall_short():
    trusts = load_trusts()
    # Royal Brompton and Harefield is in no lookup (merged in 2021): both its sites are in north west London.
    assert [(m.footprint, m.share) for m in trusts["RT3"].memberships] == [("E54000027", 1.0)]
    # Avon and Wiltshire Mental Health Partnership spans two footprints, split 55:45.
    assert [(m.footprint, m.share) for m in trusts["RVN"].memberships] == [("E54000039", 0.55), ("E54000040", 0.45)]
    assert trusts["R1J"].kind is OrgKind.COMMUNITY_TRUST  # a "care trust" that ran community services
    cornwall = {t.code: share for t, share in footprint_trusts("E54000036")}
    assert set(cornwall) == {"REF", "RJ8", "RYF"}  # Royal Cornwall, Cornwall Partnership, South Western Ambulance


def test_revenue_loans_drawn_in_2016_17_add_up_to_the_published_total():
    # The Department of Health's revenue loans drawn in 2016/17 total £3,666m (its Section 40
    # report); all but £0.6m went to trusts in the estates return.
    total = sum(t.revenue_loans_drawn_gbp000 for t in load_trusts().values())
    assert total == pytest.approx(3_666_239, abs=1_000)
    assert load_trusts()["RGT"].revenue_loans_drawn_gbp000 == pytest.approx(189_738)  # Cambridge University Hospitals


def test_bed_days_follow_the_inpatient_meals_each_trust_requested():
    trusts = load_trusts()
    # Royal Cornwall's wards requested 732,974 inpatient main meals in 2016/17 (estates return).
    assert trusts["REF"].occupied_bed_days_signal == pytest.approx(732_974)
    # The cost route would have given 3,225,665 / 38.61 = 83,545 costed days: a ninth of the meals,
    # where the median acute trust requests about five and a half meals per costed day.
    assert trusts["RX8"].occupied_bed_days_signal is None  # an ambulance trust feeds no inpatients
    # Moorfields left meals blank in 2016/17; its 2015/16 return counts 26,718.
    assert trusts["RP6"].occupied_bed_days_signal == pytest.approx(26_718)
    low, high = PLAUSIBLE_MEAL_DAY_GBP
    assert low < 38.61 < high


def test_a_meal_count_too_small_to_be_one_is_not_used():
    trusts = load_trusts()
    # Barking, Havering and Redbridge entered 22.83 main meals for 2016/17, and a cost of feeding
    # one inpatient for a day of £1,454,371 (a total): neither is usable, so its 2015/16 return
    # counts, 358,471 meals. Wrightington, Wigan and Leigh entered 22.64; its 2015/16 count is 805,005.
    assert trusts["RF4"].occupied_bed_days_signal == pytest.approx(358_471)
    assert trusts["RRF"].occupied_bed_days_signal == pytest.approx(805_005)
    assert min(t.occupied_bed_days_signal or FEWEST_PLAUSIBLE_MEALS for t in trusts.values()) >= FEWEST_PLAUSIBLE_MEALS
