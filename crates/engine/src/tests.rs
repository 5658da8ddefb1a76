//! Engine behaviour, event fixtures in, decisions out.

use std::sync::Arc;

use super::*;
use crate::event::*;

const MIN: i64 = 60_000;

fn engine() -> Engine {
    Engine::new(Arc::new(Ruleset::default_ruleset()))
}

/// An engine that has watched transfers for the ruleset's warm-up before time 0, so that what
/// it has not seen counts as new.
fn watched_engine() -> Engine {
    let mut e = engine();
    let warm_up_ms = e.ruleset().warm_up_s * 1000;
    e.apply(&tx("watch", -warm_up_ms, "W1", "W2", 100));
    e
}

fn tx(id: &str, ts: i64, payer: &str, payee: &str, fen: i64) -> Event {
    Event::Transfer(Transfer {
        event_id: id.into(),
        ts_ms: ts,
        payer: payer.into(),
        payer_bank: "RCB".into(),
        payee: payee.into(),
        payee_bank: "ICBC".into(),
        amount_fen: fen,
        channel: Channel::Mobile,
        payer_person: Some("13800000001".into()),
        device_id: None,
        ip: None,
    })
}

fn list(id: &str, ts: i64, kind: ListKind, value: &str, colour: Colour, from: Option<i64>, to: Option<i64>) -> Event {
    Event::List(ListUpdate {
        event_id: id.into(),
        ts_ms: ts,
        op: ListOp::Add,
        kind,
        value: value.into(),
        colour,
        source: "case".into(),
        valid_from_ms: from,
        valid_to_ms: to,
    })
}

fn decided(o: Outcome) -> Decision {
    match o {
        Outcome::Decided(d) => d,
        other => panic!("expected a decision, got {other:?}"),
    }
}

#[test]
fn red_listed_payee_is_held_with_the_reason() {
    let mut e = engine();
    e.apply(&list("l1", 0, ListKind::Account, "6222000011112222", Colour::Red, None, None));
    let d = decided(e.apply(&tx("t1", MIN, "A", "6222000011112222", 100)));
    assert_eq!(d.action, Action::Hold);
    assert!(d.fired.iter().any(|f| f.rule == "L01"), "{d:?}");
    assert_eq!(d.ruleset_version, e.ruleset().version);
}

#[test]
fn list_validity_windows_are_honoured() {
    let mut e = engine();
    e.apply(&list("l1", 0, ListKind::Account, "P", Colour::Red, Some(10 * MIN), Some(20 * MIN)));
    assert_ne!(decided(e.apply(&tx("t1", 5 * MIN, "A", "P", 100))).action, Action::Hold, "before the window");
    assert_eq!(decided(e.apply(&tx("t2", 15 * MIN, "B", "P", 100))).action, Action::Hold, "inside");
    assert!(
        !decided(e.apply(&tx("t3", 20 * MIN, "C", "P", 100))).fired.iter().any(|f| f.rule == "L01"),
        "end is exclusive"
    );
    // Removal takes effect at once.
    e.apply(&list("l2", 21 * MIN, ListKind::Account, "Q", Colour::Red, None, None));
    e.apply(&Event::List(ListUpdate {
        event_id: "l3".into(),
        ts_ms: 22 * MIN,
        op: ListOp::Remove,
        kind: ListKind::Account,
        value: "Q".into(),
        colour: Colour::Red,
        source: String::new(),
        valid_from_ms: None,
        valid_to_ms: None,
    }));
    assert!(!decided(e.apply(&tx("t4", 23 * MIN, "D", "Q", 100))).fired.iter().any(|f| f.rule == "L01"));
    // What the list shows agrees with what the decisions did, and says where each entry came from.
    let rows = e.list_entries();
    assert_eq!(rows.len(), 1, "Q was removed");
    let p = &rows[0];
    assert_eq!((p.value.as_str(), p.source.as_str(), p.listed_ms), ("P", "case", 0));
    assert_eq!((p.active(5 * MIN), p.active(15 * MIN), p.active(20 * MIN)), (false, true, false));
}

#[test]
fn duplicates_are_not_counted_twice() {
    let mut e = watched_engine();
    for i in 0..4 {
        e.apply(&tx(&format!("t{i}"), i * MIN, &format!("P{i}"), "MULE", 100));
    }
    // The fifth distinct payer makes M01 (fan-in >= 5) fire; a replay of an earlier event must not.
    assert_eq!(e.apply(&tx("t3", 4 * MIN, "P3", "MULE", 100)), Outcome::Duplicate);
    assert_eq!(e.duplicates, 1);
    let d = decided(e.apply(&tx("t9", 5 * MIN, "P9", "MULE", 100)));
    let m01 = d.fired.iter().find(|f| f.rule == "M01").expect("fan-in fires at five payers");
    assert_eq!(m01.value, 5.0);
}

#[test]
fn call_then_transfer_sequence() {
    let mut e = engine();
    e.apply(&list("l1", 0, ListKind::Phone, "+85212345678", Colour::Red, None, None));
    e.apply(&Event::Call(CallRecord {
        event_id: "c1".into(),
        ts_ms: MIN,
        caller: "+85212345678".into(),
        callee: "13800000001".into(),
        duration_s: 600,
        kind: CallKind::Call,
        overseas: true,
        virtual_operator: false,
        spoofed: false,
    }));
    let d = decided(e.apply(&tx("t1", 30 * MIN, "A", "NEW", 5_000_000)));
    let ids: Vec<&str> = d.fired.iter().map(|f| f.rule.as_str()).collect();
    assert!(ids.contains(&"S01") && ids.contains(&"S02"), "{ids:?}");
    assert_eq!(d.scenario.as_deref(), Some("victim"));
    assert!(d.action >= Action::Warn);
    // Three hours later the call no longer explains a transfer.
    let later = decided(e.apply(&tx("t2", 200 * MIN, "A", "NEW2", 100)));
    assert!(!later.fired.iter().any(|f| f.rule == "S01"));
}

#[test]
fn pass_through_mule_is_seen() {
    let mut e = engine();
    e.apply(&tx("in1", 0, "V1", "MULE", 3_000_000));
    e.apply(&tx("in2", MIN, "V2", "MULE", 2_000_000));
    let d = decided(e.apply(&tx("out", 10 * MIN, "MULE", "NEXT", 4_800_000)));
    let m = d.fired.iter().find(|f| f.rule == "M03").expect("pass-through fires");
    assert_eq!(m.value, 5_000_000.0);
}

/// A household that is paid its wage and then pays its five regular payees (each paid before,
/// a month earlier) is not a mule; an account that passes the same money to five accounts it
/// never paid before is. The default fan-out rule (M02) counts new payees only.
#[test]
fn fan_out_counts_new_payees_only() {
    const DAY: i64 = 24 * 60 * MIN;
    let mut e = watched_engine();
    for k in 0..5 {
        e.apply(&tx(&format!("old{k}"), k * MIN, "HOME", &format!("SHOP{k}"), 10_000));
    }
    // Five payments a minute apart on day 30, from `payer` to `to0`…`to4`.
    let pay_five = |e: &mut Engine, payer: &str, to: &str| -> Vec<Decision> {
        (0..5)
            .map(|k| {
                let id = format!("{payer}-{k}");
                decided(e.apply(&tx(&id, 30 * DAY + (k + 1) * MIN, payer, &format!("{to}{k}"), 90_000)))
            })
            .collect()
    };
    e.apply(&tx("wage", 30 * DAY, "EMPLOYER", "HOME", 500_000));
    let household = pay_five(&mut e, "HOME", "SHOP");
    assert!(household.iter().all(|d| d.fired.iter().all(|f| f.rule != "M02")), "{household:?}");
    assert!(household.iter().all(|d| d.action == Action::Allow), "{household:?}");

    e.apply(&tx("victim", 30 * DAY, "VICTIM", "MULE", 500_000));
    let mule = pay_five(&mut e, "MULE", "CARD");
    let m02 = mule[4].fired.iter().find(|f| f.rule == "M02").expect("the fifth new payee fires M02");
    assert_eq!(m02.value, 5.0);
    assert!(mule[..4].iter().all(|d| d.fired.iter().all(|f| f.rule != "M02")), "{mule:?}");
}

/// On its first day the engine has met nobody: a payee it never saw is not called new (M04),
/// nor is a fan-in of payers it never saw (M01), until it has watched for the warm-up. An
/// account the bank announced as opened is new at once.
#[test]
fn new_means_new_only_after_the_warm_up() {
    let fan_in = |e: &mut Engine, at: i64| {
        let mut last = None;
        for i in 0..5 {
            last = Some(decided(e.apply(&tx(&format!("f{at}-{i}"), at + i * MIN, &format!("P{at}-{i}"), "HUB", 100))));
        }
        last.map(|d| d.fired.iter().map(|f| f.rule.clone()).collect::<Vec<_>>()).unwrap_or_default()
    };
    let mut cold = engine();
    let rules = fan_in(&mut cold, 0);
    assert!(!rules.iter().any(|r| r == "M01" || r == "M04"), "{rules:?}");
    let mut watched = watched_engine();
    let rules = fan_in(&mut watched, 0);
    assert!(rules.iter().any(|r| r == "M01") && rules.iter().any(|r| r == "M04"), "{rules:?}");

    let mut cold = engine();
    cold.apply(&Event::Account(AccountEvent {
        event_id: "open".into(),
        ts_ms: -MIN,
        account: "FRESH".into(),
        kind: AccountEventKind::Opened,
        holder: None,
    }));
    let d = decided(cold.apply(&tx("t1", 0, "A", "FRESH", 100)));
    assert!(d.fired.iter().any(|f| f.rule == "M04"), "{d:?}");
}

#[test]
fn a_transfer_never_explains_itself() {
    let mut e = engine();
    let d = decided(e.apply(&tx("t1", 0, "A", "B", 100)));
    // First transfer ever: the payee is new (M04) but no window counts it twice.
    assert!(d.fired.iter().all(|f| f.rule != "M01" && f.rule != "M02"));
}

fn transfer_of(e: &Event) -> &Transfer {
    match e {
        Event::Transfer(t) => t,
        other => panic!("not a transfer: {other:?}"),
    }
}

fn feature(f: &features::Features, name: &str) -> f32 {
    f[features::NAMES.iter().position(|n| *n == name).expect("feature name")]
}

#[test]
fn the_payers_other_transfers_of_the_day_are_seen() {
    // A bipartite burst: P1 pays Q1, Q2, Q3; then P2 pays Q1. A gather hub: S1 pays only H,
    // then S2 pays H. From the payee alone the two second transfers look alike.
    let mut e = engine();
    let day = 1_704_067_200_000; // 2024-01-01 08:00 CST
    for (i, q) in ["Q1", "Q2", "Q3"].iter().enumerate() {
        e.observe_transfer(transfer_of(&tx(&format!("b{i}"), day + i as i64 * MIN, "P1", q, 10_000)));
    }
    let bi = e.observe_transfer(transfer_of(&tx("b9", day + 10 * MIN, "P2", "Q1", 10_000)));
    e.observe_transfer(transfer_of(&tx("g1", day, "S1", "H", 10_000)));
    let ga = e.observe_transfer(transfer_of(&tx("g2", day + 10 * MIN, "S2", "H", 10_000)));
    assert_eq!(feature(&bi, "payee_in_1d_payer_out_1d_max"), 3.0);
    assert_eq!(feature(&ga, "payee_in_1d_payer_out_1d_max"), 1.0);
    assert_eq!(feature(&bi, "payee_in_30d_payer_out_n_max"), 3.0);
    assert_eq!(feature(&bi, "payee_in_fresh_30d"), 1.0, "P1 had never transferred before paying Q1");
    // The next local day, P1's burst is yesterday's: its lifetime stays, its day count does not.
    let next = e.observe_transfer(transfer_of(&tx("b10", day + 86_400_000 - 5 * MIN, "P3", "Q2", 10_000)));
    assert_eq!(feature(&next, "payee_in_1d_payer_out_1d_max"), -1.0, "Q2 received nothing yet today");
    assert_eq!(feature(&next, "payee_in_30d_payer_out_n_max"), 3.0);
}

#[test]
fn the_day_is_the_local_calendar_day_on_both_sides() {
    // 2024-01-01 23:50 CST and ten minutes later, the next local day: twenty minutes apart,
    // yet not the same day, for the payer's own count and for its counterparties' alike.
    let mut e = engine();
    let late = 1_704_124_200_000;
    let early = late + 20 * MIN;
    e.observe_transfer(transfer_of(&tx("a", late, "P", "Q1", 10_000)));
    let b = e.observe_transfer(transfer_of(&tx("b", early, "P", "Q2", 10_000)));
    assert_eq!(feature(&b, "payer_out_1d"), 0.0);
    assert_eq!(feature(&b, "payer_out_1d_payee_in_1d_max"), -1.0);
    // Sixteen hours apart on one local day (00:10 and 16:10 CST) is the same day.
    let c = e.observe_transfer(transfer_of(&tx("c", early + 16 * 60 * MIN, "P", "Q2", 10_000)));
    assert_eq!(feature(&c, "payer_out_1d"), 1.0);
    assert_eq!(feature(&c, "payer_out_1d_same_amount"), 1.0);
    assert_eq!(feature(&c, "payer_out_1d_payee_in_1d_max"), 1.0, "Q2 received b today");
}

#[test]
fn a_shadow_decides_as_the_candidate_would_alone_and_changes_nothing_in_force() {
    let mut candidate = Ruleset::default_ruleset();
    candidate.version = "candidate".into();
    // The candidate no longer holds red-listed payees and warns on far less.
    for r in candidate.rules.iter_mut().filter(|r| r.id == "L01") {
        r.enabled = false;
    }
    for s in candidate.scenarios.iter_mut() {
        s.warn /= 4.0;
    }
    let candidate = Arc::new(candidate);
    let mut events = vec![list("l1", 0, ListKind::Account, "RED", Colour::Red, None, None)];
    for i in 0..60 {
        let payee = if i % 7 == 0 { "RED".to_string() } else { format!("P{}", i % 9) };
        events.push(tx(&format!("t{i}"), (i + 1) * MIN, &format!("A{}", i % 4), &payee, 50_000 + i * 1_000));
    }
    let mut in_force = engine();
    let mut alone = Engine::new(candidate.clone());
    let mut both = engine();
    both.set_shadow(Some(Shadow { run: 7, ruleset: candidate, model: None }));
    let mut differ = 0;
    for e in &events {
        let (Outcome::Decided(live), Outcome::Decided(mut d), Outcome::Decided(cand)) =
            (in_force.apply(e), both.apply(e), alone.apply(e))
        else {
            continue;
        };
        let sh = d.shadow.take().expect("a shadow decision for every transfer");
        assert_eq!(d, live, "the decision in force is unchanged by the shadow");
        assert_eq!((sh.run, &sh.decision), (7, &cand), "the shadow decides as the candidate alone");
        differ += usize::from(sh.decision.action != live.action);
    }
    assert!(differ > 0, "the fixture must make the two rulesets disagree");
    both.set_shadow(None);
    let d = decided(both.apply(&tx("after", 100 * MIN, "A1", "P1", 100)));
    assert!(d.shadow.is_none(), "a stopped shadow decides nothing");
}
