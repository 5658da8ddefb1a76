//! Three weeks of bank transfers and operator records for the demo county (with the first
//! payments of its everyday relationships, one to three months earlier), through the engine
//! once (so its warnings, event log and fund flows are there to look at): everyday traffic
//! between regular counterparties, four residents defrauded after a call from abroad with
//! their money layered through mules and taken out at ATMs, a fan-in collection account, a
//! ring of accounts passing money round, and one victim's money split into equal shares over
//! bought cards (跑分).

use std::sync::Arc;

use anyhow::Context;
use engine::event::{
    AccountEvent, AccountEventKind, CallKind, CallRecord, Channel, Colour, Event, ListKind, ListUpdate, Transfer,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const BANKS: [&str; 5] = ["中国农业银行", "中国工商银行", "中国建设银行", "江西农商银行", "中国邮政储蓄银行"];
const MIN: i64 = 60_000;

pub(crate) fn account(rng: &mut ChaCha8Rng) -> String {
    format!("6217{:012}", rng.random_range(0..1_000_000_000_000u64))
}

/// The events, in time order. `phones` are residents' mobile numbers (payers known to the bank).
pub fn generate(seed: u64, now_ms: i64, phones: &[String]) -> Vec<Event> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x7f4a_11d3);
    let start = now_ms - 21 * 24 * 60 * MIN;
    let accounts: Vec<(String, &str)> = (0..3_000).map(|i| (account(&mut rng), BANKS[i % BANKS.len()])).collect();
    let person = |i: usize| phones.get(i).cloned();
    let mut ev: Vec<Event> = Vec::new();
    // The everyday accounts were opened long ago (the banks send openings as account events).
    for (i, (a, _)) in accounts.iter().enumerate() {
        let age_days = rng.random_range(120..3_000);
        ev.push(Event::Account(AccountEvent {
            event_id: format!("DEMO-A{i:05}"),
            ts_ms: start - age_days * 24 * 60 * MIN,
            account: a.clone(),
            kind: AccountEventKind::Opened,
            holder: None,
        }));
    }
    let mut n = 0u64;
    let mut transfer = |ev: &mut Vec<Event>,
                        ts: i64,
                        from: (&str, &str),
                        to: (&str, &str),
                        fen: i64,
                        channel: Channel,
                        payer_person: Option<String>| {
        n += 1;
        ev.push(Event::Transfer(Transfer {
            event_id: format!("DEMO-T{n:07}"),
            ts_ms: ts,
            payer: from.0.into(),
            payer_bank: from.1.into(),
            payee: to.0.into(),
            payee_bank: to.1.into(),
            amount_fen: fen,
            channel,
            payer_person,
            device_id: None,
            ip: None,
        }));
    };
    // Everyday traffic: each account pays a few regular counterparties (wages, rent, shops),
    // relationships that began before the three weeks: the first payment of each lies one to
    // three months earlier, so that what is new in the three weeks stands out as new.
    for i in 0..accounts.len() {
        let k = rng.random_range(2..6);
        for _ in 0..k {
            let j = rng.random_range(0..accounts.len());
            if j == i {
                continue;
            }
            let first = start - rng.random_range(30 * 24 * 60..90 * 24 * 60) * MIN;
            let times = rng.random_range(1..5);
            let stamps: Vec<i64> = std::iter::once(first)
                .chain((0..times).map(|_| start + rng.random_range(0..21 * 24 * 60) * MIN))
                .collect();
            for ts in stamps {
                let fen = (rng.random_range(20.0f64..3_000.0) * 100.0).round() as i64;
                transfer(
                    &mut ev,
                    ts,
                    (&accounts[i].0, accounts[i].1),
                    (&accounts[j].0, accounts[j].1),
                    fen,
                    Channel::Mobile,
                    if i < 300 { person(i) } else { None },
                );
            }
        }
    }
    // Six defrauded residents: a call from abroad, then a large transfer to a first-level
    // mule, split over second and third levels within the hour, part taken out at ATMs. Four
    // over the weeks; the last two today, so that the stations have today's work: one this
    // morning (signed for and contacted by now) and one that has just happened.
    let fraud_caller = "0085261234567";
    for v in 0..6usize {
        let t0 = match v {
            0..4 => start + (4 + v as i64 * 4) * 24 * 60 * MIN + 10 * 60 * MIN,
            4 => now_ms - 14 * 60 * MIN,
            _ => now_ms - 100 * MIN,
        };
        let victim = (accounts[v * 7].0.as_str(), accounts[v * 7].1);
        if let Some(p) = person(v * 7) {
            ev.push(Event::Call(CallRecord {
                event_id: format!("DEMO-C{v}"),
                ts_ms: t0 - 25 * MIN,
                caller: fraud_caller.into(),
                callee: p,
                duration_s: 1_260,
                kind: CallKind::Call,
                overseas: true,
                virtual_operator: false,
                spoofed: true,
            }));
        }
        let m1 = (account(&mut rng), BANKS[(v + 1) % 5]);
        let amount = rng.random_range(8..50) * 10_000 * 100;
        transfer(&mut ev, t0, victim, (&m1.0, m1.1), amount, Channel::Mobile, person(v * 7));
        let mut left = amount;
        for k in 0..3 {
            let m2 = (account(&mut rng), BANKS[(v + k + 2) % 5]);
            let part = if k == 2 { left * 9 / 10 } else { amount * (30 + 5 * k as i64) / 100 };
            left -= part;
            transfer(&mut ev, t0 + (5 + k as i64 * 3) * MIN, (&m1.0, m1.1), (&m2.0, m2.1), part, Channel::Online, None);
            let mut rest = part;
            for j in 0..2 {
                let m3 = (account(&mut rng), BANKS[(v + j + 3) % 5]);
                let p3 = part * 45 / 100;
                rest -= p3;
                transfer(
                    &mut ev,
                    t0 + (20 + k as i64 * 4 + j as i64) * MIN,
                    (&m2.0, m2.1),
                    (&m3.0, m3.1),
                    p3,
                    Channel::Online,
                    None,
                );
                if (k + j) % 2 == 0 {
                    // Taken out in cash in the next hour.
                    transfer(
                        &mut ev,
                        t0 + (70 + k as i64 * 5) * MIN,
                        (&m3.0, m3.1),
                        ("ATM取现", ""),
                        p3 / 2,
                        Channel::Atm,
                        None,
                    );
                }
            }
            let _ = rest;
        }
    }
    // A collection account: eight new payers in two days (刷单返利 deposits), then paid onward.
    let hub = (account(&mut rng), BANKS[3]);
    let t0 = start + 15 * 24 * 60 * MIN;
    for k in 0..8usize {
        let payer = &accounts[100 + k * 13];
        transfer(
            &mut ev,
            t0 + k as i64 * 300 * MIN,
            (&payer.0, payer.1),
            (&hub.0, hub.1),
            rng.random_range(2_000..20_000) * 100,
            Channel::Mobile,
            person(100 + k * 13),
        );
    }
    let out = (account(&mut rng), BANKS[0]);
    transfer(&mut ev, t0 + 2 * 24 * 60 * MIN, (&hub.0, hub.1), (&out.0, out.1), 60_000 * 100, Channel::Online, None);
    // A ring of five accounts passing money round.
    let ring: Vec<(String, &str)> = (0..5).map(|i| (account(&mut rng), BANKS[i % 5])).collect();
    for round in 0..2i64 {
        for i in 0..5 {
            let ts = start + 18 * 24 * 60 * MIN + (round * 5 + i as i64) * 40 * MIN;
            transfer(
                &mut ev,
                ts,
                (&ring[i].0, ring[i].1),
                (&ring[(i + 1) % 5].0, ring[(i + 1) % 5].1),
                (48_000 - round * 2_000) * 100,
                Channel::Online,
                None,
            );
        }
    }
    // 跑分: a fraud account takes one victim's 180,000 yuan and, over two days, pays six bought
    // cards 30,000 yuan each; every card passes its share on to an account of its own within
    // the half hour. No two cards meet again downstream, so only the equal shares join them.
    let victim = &accounts[200];
    let src = (account(&mut rng), BANKS[2]);
    let t0 = start + 12 * 24 * 60 * MIN + 14 * 60 * MIN;
    transfer(&mut ev, t0, (&victim.0, victim.1), (&src.0, src.1), 180_000 * 100, Channel::Mobile, person(200));
    for k in 0..6usize {
        let card = (account(&mut rng), BANKS[(k + 1) % 5]);
        let next = (account(&mut rng), BANKS[(k + 3) % 5]);
        let ts = t0 + (40 + k as i64 * 460) * MIN;
        transfer(&mut ev, ts, (&src.0, src.1), (&card.0, card.1), 30_000 * 100, Channel::Online, None);
        transfer(
            &mut ev,
            ts + (12 + k as i64 * 3) * MIN,
            (&card.0, card.1),
            (&next.0, next.1),
            30_000 * 100,
            Channel::Online,
            None,
        );
    }
    // The caller is put on the fraud list after the first report.
    ev.push(Event::List(ListUpdate::add(
        "DEMO-L1".into(),
        start + 9 * 24 * 60 * MIN,
        ListKind::Phone,
        fraud_caller.into(),
        Colour::Red,
        "96110 来电(演示)".into(),
    )));
    ev.sort_by_key(|e| e.ts_ms());
    ev
}

/// The demo's everyday accounts: those the banks announced as opened.
fn everyday_accounts(events: &[Event]) -> std::collections::HashSet<&str> {
    events.iter().filter_map(|e| if let Event::Account(a) = e { Some(a.account.as_str()) } else { None }).collect()
}

/// The transfers of the demo's events that the generator made as fraud, by event id: those
/// with an account that is not one of the everyday accounts (the banks announced those as
/// opened long ago), on either side, except cash taken out by an everyday account. Everything
/// else is everyday traffic. This is the demo's ground truth: the handling it seeds and
/// `fanzha eval demo` both read it here.
pub(crate) fn fraud_side(events: &[Event]) -> std::collections::HashMap<&str, &Transfer> {
    let everyday = everyday_accounts(events);
    events
        .iter()
        .filter_map(|e| if let Event::Transfer(t) = e { Some(t) } else { None })
        .filter(|t| {
            !everyday.contains(t.payer.as_str()) || (!everyday.contains(t.payee.as_str()) && t.channel != Channel::Atm)
        })
        .map(|t| (t.event_id.as_str(), t))
        .collect()
}

/// Puts the demo events through the engine once (first start of a new demo only).
pub async fn seed(state: &server::AppState, seed: u64) -> anyhow::Result<()> {
    if state.store.event_log_len().await? > 0 {
        return Ok(());
    }
    let mut phones = Vec::new();
    for id in 1..=400i64 {
        if let Ok(Some(p)) = state.store.reveal_resident(&domain::Scope::All, id * 37, store::RevealField::Phone).await
        {
            phones.push(p);
        }
    }
    let events = generate(seed, store::now_ms(), &phones);
    let bar = indicatif::ProgressBar::new(events.len() as u64).with_prefix("交易流水");
    let mut warnings = 0;
    for chunk in events.chunks(2_000) {
        let s =
            server::stream::ingest(state, chunk.to_vec(), Vec::new(), "demo", server::stream::Raised::AtEvent).await;
        warnings += s.warnings;
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    let handled = handle_past_warnings(state, &events, seed).await?;
    let frozen = freeze_traced_accounts(state, &events, seed).await?;
    eprintln!(
        "Demo transfers: {} events through the engine, {warnings} warnings raised, {handled} of them handled, {frozen} accounts frozen after tracing the money.",
        events.len()
    );
    Ok(())
}

/// The demo county's own model, learned from its three weeks' outcomes (the warnings handled
/// and the accounts frozen after tracing) and put in force, on the first start of a new demo:
/// the county runs with what it learned. Without enough outcomes it says why and the rules
/// alone decide.
pub async fn train_model(state: &server::AppState) -> anyhow::Result<()> {
    let store = &state.store;
    if !store.model_versions().await?.is_empty() {
        return Ok(());
    }
    let bar = crate::eval::progress_bar(0);
    let progress: server::learning::ProgressFn = {
        let bar = bar.clone();
        Arc::new(move |phase: engine::learn::Phase, done: u64, total: u64| {
            bar.set_prefix(phase.as_str());
            bar.set_length(total);
            bar.set_position(done);
        })
    };
    let req = server::learning::TrainRequest {
        from: None,
        test_from: None,
        to: None,
        threshold: 0.5,
        by: "演示初始化".into(),
    };
    let system = |action: &str, version: &str| {
        let mut e = domain::audit::AuditContent::system("fanzha demo", action, "engine_model", store::now_ms());
        e.object_id = Some(version.to_string());
        e
    };
    let trained = server::learning::train(store, req, |v| system("create", v), progress).await;
    bar.finish_and_clear();
    let t = match trained {
        Ok(t) => t,
        Err(e) => {
            eprintln!("Demo model not trained ({e}); the rules alone decide.");
            return Ok(());
        }
    };
    store.put_model_in_force(Some(&t.version), system("update", &t.version)).await?;
    state.engine.set_model(Some(Arc::new(engine::model::Model::from_stored(&t.version, &t.body)?)));
    let m = &t.report["test"]["model"];
    eprintln!(
        "Demo model {} learned from the weeks' outcomes and put in force (held-out week: precision {:.2}, recall {:.2} against the outcomes known so far).",
        t.version,
        m["precision"].as_f64().unwrap_or_default(),
        m["recall"].as_f64().unwrap_or_default()
    );
    Ok(())
}

/// How long after a fraud the centre had traced its money and the banks had frozen the
/// accounts it passed through.
const TRACED_AFTER_MS: i64 = 24 * 60 * MIN;

/// The fund trace the centre ran after each fraud of the three weeks that is older than a day:
/// every account the money passed through (the accounts that are not everyday accounts) was
/// frozen at its bank the day after. These are the outcomes the engine's model learns from.
/// Returns how many accounts were frozen.
async fn freeze_traced_accounts(state: &server::AppState, events: &[Event], seed: u64) -> anyhow::Result<u64> {
    let store = &state.store;
    let everyday = everyday_accounts(events);
    let banks = bank_units(store).await?;
    let now = store::now_ms();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xf4ee_2e00);
    // Each account once, at the first fraud it took part in.
    let mut first: std::collections::BTreeMap<&str, (i64, &str, i64)> = Default::default();
    let mut side: Vec<&Transfer> = fraud_side(events).into_values().collect();
    side.sort_by_key(|t| t.ts_ms);
    for t in side.into_iter().filter(|t| t.ts_ms + TRACED_AFTER_MS < now) {
        for (account, bank) in [(t.payer.as_str(), t.payer_bank.as_str()), (t.payee.as_str(), t.payee_bank.as_str())] {
            if !everyday.contains(account) && banks.contains_key(bank) {
                first.entry(account).or_insert((t.ts_ms, bank, t.amount_fen));
            }
        }
    }
    let mut frozen = 0u64;
    for (account, (at, bank, amount_fen)) in first {
        let bank_unit_id = banks[bank];
        let sent = at + TRACED_AFTER_MS - rng.random_range(0..6 * 60) * MIN;
        let r = store
            .create_bank_request(
                &store::NewBankRequest {
                    kind: "freeze".into(),
                    case_id: None,
                    account: account.to_string(),
                    bank_unit_id,
                    amount_fen,
                    requested_by: "反诈中心 研判员".into(),
                    requested_at: sent,
                    renews_id: None,
                    return_terms: None,
                },
                None,
            )
            .await?;
        let done = (sent + rng.random_range(20..90) * MIN).min(now);
        executed_by_bank(store, r.id, bank_unit_id, bank, done, domain::legal::freeze_until(done)).await?;
        frozen += 1;
    }
    Ok(frozen)
}

/// The bank's liaison records request `request_id` as executed at `done`, its legal term
/// running to `until`.
async fn executed_by_bank(
    store: &store::Store,
    request_id: i64,
    bank_unit_id: i64,
    bank: &str,
    done: i64,
    until: i64,
) -> anyhow::Result<()> {
    store
        .answer_bank_request(request_id, bank_unit_id, true, "", &format!("{bank} 联络员"), done, Some(until), None)
        .await?;
    Ok(())
}

/// The member unit (bank branch) of each of [`BANKS`], in the same order.
const BANK_UNITS: [&str; 5] = ["BANK-ABC", "BANK-ICBC", "BANK-CCB", "BANK-RCB", "BANK-PSBC"];

/// The member unit of each of [`BANKS`] that the demo county has, by bank name.
async fn bank_units(store: &store::Store) -> anyhow::Result<std::collections::HashMap<&'static str, i64>> {
    let mut banks = std::collections::HashMap::new();
    for (name, code) in BANKS.into_iter().zip(BANK_UNITS) {
        if let Some(u) = store.unit_by_code(code).await? {
            banks.insert(name, u.id);
        }
    }
    Ok(banks)
}

/// Warnings older than this were closed by the time the demo opens.
const CLOSED_BEFORE_MS: i64 = 24 * 60 * MIN;
/// Warnings older than this (and younger than a day) were signed for and the person contacted;
/// younger ones still wait for sign-for.
const SIGNED_BEFORE_MS: i64 = 2 * 60 * MIN;

/// Gives the demo's warnings the handling they had over the three weeks, so that a station's
/// inbox holds today's work instead of three weeks of unsigned warnings: stations sign for and
/// contact within the policy's deadlines (one in ten late), meet the victims face to face and
/// close with the outcome; the centre checks the accounts of everyday traffic and closes them
/// as false positives, and passes the fraud accounts on (a case follows). What is known of the
/// money: a transfer is on the fraud side when one of its accounts is not an everyday account
/// (those are the ones the banks announced as opened). Returns how many warnings were moved.
async fn handle_past_warnings(state: &server::AppState, events: &[Event], seed: u64) -> anyhow::Result<u64> {
    use domain::dispatch::{Outcome, Policy, State, Step};
    let store = &state.store;
    let everyday = everyday_accounts(events);
    let fraud_side = fraud_side(events);
    let banks = bank_units(store).await?;
    let now = store::now_ms();
    let policy = Policy::default();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x51a7_e0d5);
    let mut stations: std::collections::HashMap<i64, String> = std::collections::HashMap::new();
    let mut warnings = Vec::new();
    for page in 1.. {
        let p = store.list_warnings(&domain::Scope::All, true, store::PageReq { page, per_page: 200 }).await?;
        let n = p.items.len();
        warnings.extend(p.items);
        if n < 200 {
            break;
        }
    }
    let mut moved = 0u64;
    for w in warnings {
        let age = now - w.created_at;
        if w.source != "demo" || age < SIGNED_BEFORE_MS {
            continue;
        }
        let fraud_transfer = fraud_side.get(w.event_id.as_str()).copied();
        let fraud = fraud_transfer.is_some();
        let actor = match w.station_id {
            Some(id) => {
                if let std::collections::hash_map::Entry::Vacant(e) = stations.entry(id) {
                    e.insert(store.station(id).await?.map(|s| s.name).unwrap_or_default());
                }
                format!("{} 值班民警", stations[&id])
            }
            None => "反诈中心 研判员".to_string(),
        };
        let d = policy.of(&w.grade);
        // Minutes after the warning: in time nine times in ten, a little late otherwise.
        let mut within = |limit: i64| {
            if rng.random_range(0..10) == 0 {
                limit + rng.random_range(5..60)
            } else {
                rng.random_range(limit / 5..=limit * 4 / 5).max(1)
            }
        };
        let sign = within(d.sign_min);
        let contact = sign + within(d.contact_min - d.sign_min);
        let visit = contact + within((d.visit_min - d.contact_min).min(180));
        let person = w.subject_kind == "person";
        let closed = age >= CLOSED_BEFORE_MS;
        let mut steps: Vec<(Step, i64, &str, &str, Vec<&str>)> = vec![(Step::SignFor, sign, "", "", vec![])];
        match (person, fraud) {
            (true, true) => {
                steps.push((
                    Step::Contact,
                    contact,
                    "phone",
                    "电话联系本人，说明是诈骗，请其停止转账并到派出所",
                    vec![],
                ));
                if closed {
                    steps.push((
                        Step::Visit,
                        visit,
                        "",
                        "上门见面劝阻，核实资金情况，指导安装国家反诈中心APP",
                        vec!["told_method", "checked_money", "stopped_transfer", "app_installed", "family_told"],
                    ));
                    let outcome = if w.action == "hold" { Outcome::Dissuaded } else { Outcome::AlreadyDefrauded };
                    let note = if outcome == Outcome::Dissuaded {
                        "转账已止付，群众已被劝阻"
                    } else {
                        "资金已转出，已引导报案"
                    };
                    steps.push((Step::Close(outcome), visit + 20, "", note, vec!["pledge"]));
                }
            }
            (true, false) => {
                steps.push((Step::Contact, contact, "phone", "电话核实，为本人正常往来", vec![]));
                if closed {
                    steps.push((
                        Step::Close(Outcome::FalsePositive),
                        contact + 10,
                        "",
                        "核实为正常交易，已提醒防范",
                        vec!["told_method"],
                    ));
                }
            }
            (false, true) => {
                steps.push((Step::Contact, contact, "phone", "通报开户行核查账户并止付", vec![]));
                if let Some(t) = fraud_transfer {
                    let (account, bank) = if everyday.contains(t.payee.as_str()) {
                        (&t.payer, &t.payer_bank)
                    } else {
                        (&t.payee, &t.payee_bank)
                    };
                    if let Some(&bank_unit_id) = banks.get(bank.as_str())
                        && store.stop_payments_for(account, None).await? == 0
                    {
                        let sent = (w.created_at + contact * MIN).min(now);
                        let r = store
                            .create_bank_request(
                                &store::NewBankRequest {
                                    kind: "stop_payment".into(),
                                    case_id: None,
                                    account: account.clone(),
                                    bank_unit_id,
                                    amount_fen: t.amount_fen,
                                    requested_by: actor.clone(),
                                    requested_at: sent,
                                    renews_id: None,
                                    return_terms: None,
                                },
                                None,
                            )
                            .await?;
                        // The bank executes within the hour, when the hour has passed.
                        let done = sent + rng.random_range(10..50) * MIN;
                        if done < now {
                            let until = domain::legal::stop_payment_until(done);
                            executed_by_bank(store, r.id, bank_unit_id, bank, done, until).await?;
                        }
                    }
                }
                if closed {
                    steps.push((
                        Step::Close(Outcome::AlreadyDefrauded),
                        contact + 90,
                        "",
                        "确认为涉诈账户，资金已转出，移交案件侦办",
                        vec![],
                    ));
                }
            }
            (false, false) => {
                steps.push((Step::Contact, contact, "phone", "联系开户行核查交易背景", vec![]));
                if closed {
                    steps.push((
                        Step::Close(Outcome::FalsePositive),
                        contact + 30,
                        "",
                        "研判为正常往来，解除预警",
                        vec![],
                    ));
                }
            }
        }
        let mut state_now = State::Received;
        for (step, minutes, channel, note, checklist) in steps {
            let to = step.apply(state_now)?;
            let outcome = if let Step::Close(o) = step { o.as_str() } else { "" };
            let at = (w.created_at + minutes * MIN).min(now);
            store
                .warning_step(
                    &domain::Scope::All,
                    w.id,
                    state_now.as_str(),
                    to.as_str(),
                    step.as_str(),
                    at,
                    &actor,
                    channel,
                    note,
                    outcome,
                    &checklist.join(","),
                    None,
                )
                .await?;
            state_now = to;
        }
        moved += 1;
    }
    store
        .audit(domain::audit::AuditContent {
            at_ms: now,
            actor_kind: "system".into(),
            actor_name: "fanzha demo".into(),
            action: "import".into(),
            object_type: "warning".into(),
            detail: serde_json::json!({"handling_history": moved}).to_string(),
            ..Default::default()
        })
        .await?;
    Ok(moved)
}

/// Puts two years of demo cases in the store (first start of a new demo only).
pub async fn seed_cases(state: &server::AppState, plan: &demo::CountyPlan, seed: u64) -> anyhow::Result<()> {
    let store = &state.store;
    if store
        .list_cases(&domain::Scope::All, &store::CaseFilter::default(), store::PageReq { page: 1, per_page: 1 })
        .await?
        .total
        > 0
    {
        return Ok(());
    }
    let seeds = demo::cases(plan, seed);
    let stations: std::collections::HashMap<String, i64> =
        store.list_stations().await?.into_iter().map(|s| (s.code, s.id)).collect();
    let mut jur: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    let mut rows = Vec::with_capacity(seeds.len());
    // Fraud rings reuse their accounts and numbers across victims: draw the suspects' observables
    // from small pools so that cases link up (串并案).
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x11c4);
    let accounts: Vec<String> = (0..400).map(|_| account(&mut rng)).collect();
    let phones: Vec<String> =
        (0..200).map(|i| format!("1{}{:08}", [70, 71, 65, 67][i % 4], rng.random_range(0..100_000_000u32))).collect();
    let urls = [
        "http://tb-fanli.top",
        "http://cf-licai.vip",
        "http://dk-kuaidai.cn",
        "http://kf-tuikuan.net",
        "http://gj-zhengxin.xyz",
    ];
    for c in &seeds {
        let jid = match jur.get(&c.jurisdiction_code) {
            Some(j) => *j,
            None => {
                let Some(j) = store.jurisdiction_by_code(&c.jurisdiction_code).await? else { continue };
                jur.insert(c.jurisdiction_code.clone(), j.id);
                j.id
            }
        };
        let Some(sid) = stations.get(&c.station_code) else { continue };
        let status = domain::case::CaseStatus::parse(c.status)?;
        rows.push(store::NewCase {
            case_no: c.case_no.clone(),
            reported_at: c.reported_at_ms,
            filed_at: (status != domain::case::CaseStatus::Reported).then_some(c.reported_at_ms + 86_400_000),
            solved_at: matches!(status, domain::case::CaseStatus::Solved | domain::case::CaseStatus::Closed)
                .then_some(c.reported_at_ms + 20 * 86_400_000),
            station_id: *sid,
            jurisdiction_id: jid,
            fraud_type: c.fraud_type.into(),
            loss_fen: c.loss_fen,
            recovered_fen: c.recovered_fen,
            // One to three suspects caught in a solved case (derived, so the seeded data stays as it was).
            arrested: if matches!(status, domain::case::CaseStatus::Solved | domain::case::CaseStatus::Closed) {
                1 + c.loss_fen.rem_euclid(3)
            } else {
                0
            },
            victim_resident_id: None,
            victim_age_band: c.age_band.as_str().into(),
            victim_occupation: String::new(),
            contact_channel: c.contact_channel.into(),
            status,
            observables: {
                let mut o = vec![("bank_account".to_string(), accounts[rng.random_range(0..accounts.len())].clone())];
                if rng.random_bool(0.3) {
                    o.push(("phone".into(), phones[rng.random_range(0..phones.len())].clone()));
                }
                if rng.random_bool(0.2) {
                    o.push(("url".into(), urls[rng.random_range(0..urls.len())].to_string()));
                }
                o
            },
        });
    }
    let results = store.insert_cases(&rows, None).await?;
    let stored: Vec<&store::NewCase> = results.iter().zip(&rows).filter(|(r, _)| r.is_ok()).map(|(_, c)| c).collect();
    server::intake::feed_fraud_list(state, &stored);
    let stored = stored.len();
    eprintln!("Demo cases: {stored} over two years.");
    Ok(())
}

/// Puts last month's bulletin (published, with the office's narrative) and the latest
/// semi-monthly analysis (a draft) in the store (first start of a new demo only), so that the
/// reports page shows the whole cycle.
pub async fn seed_reports(state: &server::AppState) -> anyhow::Result<()> {
    let store = &state.store;
    if !store.list_reports(None).await?.is_empty() {
        return Ok(());
    }
    let county = store
        .jurisdiction_tree(&domain::Scope::All)
        .await?
        .into_iter()
        .find(|j| j.parent_id.is_none())
        .context("no county")?;
    let now = store::now_ms();
    let this_month = domain::time::china_month(now).context("month")?;
    let last_month = supervision::ranking::shift_month(&this_month, -1).context("month")?;
    let half = domain::time::HalfMonth::of(now).and_then(|h| h.shift(-1)).context("half")?;
    let narrative = "各派出所要对照本月排名，逐案分析发案原因，针对高发类型开展精准宣防，确保发案数、损失数“双下降”。\n\
        连续处于最高位的派出所要制定整改方案，于下月5日前报县领导小组办公室。\n\
        被通报的村（社区）要组织网格员开展入户宣传，确保宣传回执全覆盖。";
    for (kind, period, publish) in
        [(report::model::Kind::Bulletin, last_month, true), (report::model::Kind::Analysis, half.to_string(), false)]
    {
        let area = server::reports::Area { jurisdiction: county.clone(), station: None };
        let r = server::reports::generate(store, kind, &period, &area, now, &state.config.ladder).await?;
        let narrative = if publish { narrative.into() } else { String::new() };
        let id = store
            .insert_report(&server::reports::new_report(&r, &area, now, narrative, None, "演示数据".into())?, None)
            .await?;
        if publish {
            store.advance_report(id, "draft", "approved", "演示数据", None).await?;
            store.advance_report(id, "approved", "published", "演示数据", None).await?;
        }
    }
    eprintln!("Demo reports: the bulletin of the month before (published) and a semi-monthly analysis (draft).");
    Ok(())
}
