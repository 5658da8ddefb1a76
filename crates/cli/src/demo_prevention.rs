//! Prevention work of the demo county (first start of a new demo only): a year of outreach by
//! every village and member unit with evidence, receipts and pledges of most households (some
//! villages well behind), app-install and SMS figures to verify, responsibility letters, the
//! work plan's duties and tasks, key-person files with carers and visits (some overdue, in the
//! demo grid worker's and officer's inboxes), the dual inquiry of last month's cases, village
//! namings, and the cards opened at outlets.

use std::collections::HashMap;

use anyhow::Context;
use domain::Scope;
use domain::keyperson::{CarerRole, KeyPersonCategory, MeasureKind, VisitKind};
use domain::prevention::{Audience, FigureMetric, FormKind, OutreachKind};
use indicatif::{ProgressBar, ProgressStyle};
use jiff::civil::Date;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A 1×1 PNG: the demo's evidence photo (real photos are what units upload).
const PHOTO: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53, 0xDE, 0x00, 0x00, 0x00, 0x0C, 0x49,
    0x44, 0x41, 0x54, 0x08, 0xD7, 0x63, 0xF8, 0xCF, 0xC0, 0x00, 0x00, 0x03, 0x01, 0x01, 0x00, 0x18, 0xDD, 0x8D, 0xB0,
    0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

fn days_ago(today: Date, n: i64) -> Date {
    today.checked_sub(jiff::Span::new().days(n)).unwrap_or(today)
}

/// The village path (`/county/town/village/`) of a grid's path.
fn village_path(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    (parts.len() >= 3).then(|| format!("/{}/{}/{}/", parts[0], parts[1], parts[2]))
}

/// Seeds the prevention work once.
pub async fn seed(state: &server::AppState, plan: &demo::CountyPlan, seed: u64) -> anyhow::Result<()> {
    let store = &state.store;
    let vis = store::Visibility { scope: Scope::All, unit_id: None };
    if store
        .list_activities(&vis, &store::ActivityFilter::default(), store::PageReq { page: 1, per_page: 1 })
        .await?
        .total
        > 0
    {
        return Ok(());
    }
    let started = std::time::Instant::now();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x009e_7e47);
    let today = domain::time::china_date(store::now_ms()).context("today")?;
    let year_start = jiff::civil::date(today.year(), 1, 1);
    let units = store
        .list_units(&Scope::All, &store::UnitFilter::default(), store::PageReq { page: 1, per_page: 500 })
        .await?
        .items;
    let unit_by_code: HashMap<&str, &store::MemberUnit> = units.iter().map(|u| (u.code.as_str(), u)).collect();
    let by_code = |c: &str| unit_by_code.get(c).copied().with_context(|| format!("demo unit {c}"));
    let style = ProgressStyle::with_template("{prefix:>10} [{bar:40}] {pos}/{len} {msg} ({elapsed})")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    let by = "演示数据";

    // Villages: each committee's reach this year. A few villages lag far behind (named in the
    // coverage view with their households); a few are complete.
    let households = store.households(&Scope::All).await?;
    let mut per_village: HashMap<String, Vec<&store::Household>> = HashMap::new();
    for h in &households {
        if let Some(v) = village_path(&h.3) {
            per_village.entry(v).or_default().push(h);
        }
    }
    let tree = store.jurisdiction_tree(&Scope::All).await?;
    let path_of: HashMap<i64, String> = tree.iter().map(|j| (j.id, j.path.clone())).collect();
    let grid_user_village =
        plan.users.iter().find(|u| u.username == "grid").map(|u| u.jurisdiction_code.clone()).unwrap_or_default();
    let bar = ProgressBar::new(plan.villages.len() as u64).with_style(style.clone()).with_prefix("宣传");
    let mut forms = Vec::new();
    for (i, v) in plan.villages.iter().enumerate() {
        let unit = by_code(&format!("VC{:03}", i + 1))?;
        let Some(vpath) = path_of.get(&unit.jurisdiction_id) else { continue };
        let lagging = i % 17 == 5 || v.code == grid_user_village;
        let reach = if lagging {
            rng.random_range(0.35..0.6)
        } else if i % 9 == 0 {
            1.0
        } else {
            rng.random_range(0.82..0.99)
        };
        // Activities: home visits, posters, group pushes, a lecture for the elderly.
        for k in 0..rng.random_range(2..6) {
            let kind = [
                OutreachKind::HomeVisit,
                OutreachKind::Poster,
                OutreachKind::GroupPush,
                OutreachKind::Lecture,
                OutreachKind::Broadcast,
            ][k % 5];
            let audience = if kind == OutreachKind::Lecture { Audience::Elderly } else { Audience::General };
            let held = days_ago(today, rng.random_range(3..300));
            let a = store::NewActivity {
                unit_id: unit.id,
                jurisdiction_id: unit.jurisdiction_id,
                kind,
                audience,
                title: format!("{}{}", unit.name.trim_end_matches("委会"), kind.zh()),
                held_on: held.max(year_start),
                head_count: rng.random_range(20..400),
                created_by: by.into(),
            };
            let id = store.add_activity(&Scope::All, &a, None).await?;
            if !lagging && rng.random_bool(0.8) {
                store.add_activity_file(&vis, id, "photo", "image/png", PHOTO, by, None).await?;
            }
        }
        if let Some(hs) = per_village.get(vpath) {
            for h in hs {
                if !rng.random_bool(reach) {
                    continue;
                }
                let signed = days_ago(today, rng.random_range(1..(today.day_of_year() as i64).max(2)));
                forms.push(store::NewForm {
                    kind: FormKind::Receipt,
                    household_code: h.0.clone(),
                    resident_id: Some(h.1),
                    jurisdiction_id: h.2,
                    jurisdiction_path: h.3.clone(),
                    unit_id: unit.id,
                    signed_on: signed,
                    created_by: by.into(),
                });
                if rng.random_bool(0.7) {
                    forms.push(store::NewForm {
                        kind: FormKind::Pledge,
                        household_code: h.0.clone(),
                        resident_id: Some(h.1),
                        jurisdiction_id: h.2,
                        jurisdiction_path: h.3.clone(),
                        unit_id: unit.id,
                        signed_on: signed,
                        created_by: by.into(),
                    });
                }
            }
        }
        // App installs counted by the committee for last month, mostly verified.
        let pop = i64::from(v.population);
        let installs =
            (pop as f64 * if lagging { rng.random_range(0.35..0.5) } else { rng.random_range(0.55..0.8) }) as i64;
        let last_month = today.first_of_month().yesterday().unwrap_or(today).strftime("%Y-%m").to_string();
        let fid = store
            .submit_figure(
                &Scope::All,
                unit.id,
                unit.jurisdiction_id,
                FigureMetric::AppInstall,
                &last_month,
                installs,
                None,
                "国家反诈中心APP后台导出截图及入户登记表",
                by,
                None,
            )
            .await?;
        if i % 11 != 3 {
            store.review_figure(&Scope::All, fid, true, "县反诈办 周主任", "与后台数据核对一致", None).await?;
        }
        bar.inc(1);
    }
    bar.finish();
    let bar = ProgressBar::new(forms.len() as u64).with_style(style.clone()).with_prefix("回执");
    for chunk in forms.chunks(5_000) {
        store.insert_forms(chunk).await?;
        bar.inc(chunk.len() as u64);
    }
    bar.finish();

    // County units: activities by their duties, letters, SMS reach of the operators.
    let county = tree.iter().find(|j| j.parent_id.is_none()).context("no county")?;
    let unit_kinds: [(&str, OutreachKind, Audience); 14] = [
        ("PROP", OutreachKind::GroupPush, Audience::General),
        ("EDU", OutreachKind::SchoolClass, Audience::Students),
        ("EDU", OutreachKind::Lecture, Audience::Parents),
        ("UNION", OutreachKind::Lecture, Audience::Staff),
        ("FIN", OutreachKind::Lecture, Audience::Accountants),
        ("HRSS", OutreachKind::SmsPush, Audience::Graduates),
        ("CULT", OutreachKind::CinemaFilm, Audience::General),
        ("TRANS", OutreachKind::LedScreen, Audience::General),
        ("MEDIA", OutreachKind::GroupPush, Audience::General),
        ("BANK-RCB", OutreachKind::BankCounter, Audience::Elderly),
        ("BANK-ABC", OutreachKind::BankCounter, Audience::Elderly),
        ("TEL-CMCC", OutreachKind::SmsPush, Audience::General),
        ("SCH-HS1", OutreachKind::SchoolClass, Audience::Students),
        ("PSB", OutreachKind::ParcelSticker, Audience::General),
    ];
    for (code, kind, audience) in unit_kinds {
        let u = by_code(code)?;
        for _ in 0..rng.random_range(2..7) {
            let a = store::NewActivity {
                unit_id: u.id,
                jurisdiction_id: u.jurisdiction_id,
                kind,
                audience,
                title: format!("{} {}", u.name, kind.zh()),
                held_on: days_ago(today, rng.random_range(2..320)).max(year_start),
                head_count: rng.random_range(50..2_000),
                created_by: by.into(),
            };
            let id = store.add_activity(&Scope::All, &a, None).await?;
            if code != "FIN" {
                store.add_activity_file(&vis, id, "photo", "image/png", PHOTO, by, None).await?;
            }
        }
    }
    for u in &units {
        // A few units have not signed this year's letter: their scorecards show it.
        if u.code.ends_with('7') || u.code == "CULT" {
            continue;
        }
        store
            .sign_letter(
                u.id,
                i64::from(today.year()),
                jiff::civil::date(today.year(), 2, 20),
                &u.contact_name,
                by,
                None,
            )
            .await?;
    }
    let last_month = today.first_of_month().yesterday().unwrap_or(today).strftime("%Y-%m").to_string();
    for (code, share) in [("TEL-CMCC", 0.93), ("TEL-CU", 0.91), ("TEL-CT", 0.86)] {
        let u = by_code(code)?;
        let users = rng.random_range(60_000..180_000);
        let fid = store
            .submit_figure(
                &Scope::All,
                u.id,
                county.id,
                FigureMetric::SmsCoverage,
                &last_month,
                (users as f64 * share) as i64,
                Some(users),
                "短信平台下发回执统计",
                by,
                None,
            )
            .await?;
        store.review_figure(&Scope::All, fid, true, "县反诈办 周主任", "核对平台下发记录", None).await?;
    }

    // The work plan: duties for every unit; tasks of the last three months and this one, the
    // past ones mostly done.
    store.adopt_work_plan(domain::task::WORK_PLAN_VERSION, None).await?;
    for back in (0..4).rev() {
        let m = today
            .first_of_month()
            .checked_sub(jiff::Span::new().months(back))
            .unwrap_or(today)
            .strftime("%Y-%m")
            .to_string();
        store.plan_month_tasks(domain::task::WORK_PLAN_VERSION, &m, "县反诈办", None).await?;
    }
    let open = store
        .list_tasks(
            &Scope::All,
            &store::TaskFilter { status: Some("open".into()), ..Default::default() },
            today,
            store::PageReq { page: 1, per_page: 500 },
        )
        .await?;
    for t in open.items.iter().filter(|t| t.due_on < today.first_of_month().to_string()) {
        if rng.random_bool(0.85) {
            store
                .close_task(
                    t.id,
                    &store::Visibility { scope: domain::Scope::All, unit_id: None },
                    domain::task::TaskStatus::Done,
                    "已按要求完成，影像资料已上传",
                    "演示数据",
                    None,
                )
                .await?;
        }
    }

    seed_key_persons(state, plan, &mut rng, today).await?;
    seed_dual_inquiries(state, &mut rng, today).await?;
    // The office's monthly notices of the past year: villages named three times are listed
    // for rectification.
    for back in (1..=12).rev() {
        let m = today
            .first_of_month()
            .checked_sub(jiff::Span::new().months(back))
            .unwrap_or(today)
            .strftime("%Y-%m")
            .to_string();
        server::figures::raise_ladder_tasks(store, &m, &state.config.ladder, "县反诈办", None)
            .await
            .map_err(|e| anyhow::anyhow!("notice {m}: {e:?}"))?;
    }
    seed_outlets(state, seed, &mut rng, today).await?;
    eprintln!(
        "Demo prevention work in {:.1} s: {} receipts and pledges.",
        started.elapsed().as_secs_f64(),
        forms.len()
    );
    Ok(())
}

async fn seed_key_persons(
    state: &server::AppState,
    plan: &demo::CountyPlan,
    rng: &mut ChaCha8Rng,
    today: Date,
) -> anyhow::Result<()> {
    let store = &state.store;
    let user = |name: &str| {
        let name = name.to_string();
        async move { store.user_by_username(&name).await.map(|u| u.map(|u| u.id)) }
    };
    let grid_id = user("grid").await?;
    let officer_id = user("officer").await?;
    let officer2_id = user("officer2").await?;
    let stations = store.list_stations().await?;
    let mut n = 0;
    for (si, st) in stations.iter().enumerate() {
        let Some(sp) = plan.stations.iter().find(|p| p.code == st.code) else { continue };
        let precinct = st.precinct_paths.clone();
        let ids = store.resident_ids(&Scope::Subtrees(precinct), &["18_30", "31_45"], 400).await?;
        let count = if si == 0 || si == 6 { 8 } else { 4 };
        for k in 0..count {
            let Some(&rid) = ids.get(k * 37 + rng.random_range(0..30)) else { continue };
            let cats = match k % 4 {
                0 => vec![KeyPersonCategory::TwoCards],
                1 => vec![KeyPersonCategory::Returnee, KeyPersonCategory::HighRisk],
                2 => vec![KeyPersonCategory::PriorOffender],
                _ => vec![KeyPersonCategory::HighRisk],
            };
            let abroad = k % 8 == 5;
            let station_user = match si {
                0 => officer_id,
                6 => officer2_id,
                _ => None,
            };
            let names = ["李建国", "王秀英", "张志强", "刘红梅", "陈卫东", "杨丽", "赵军"];
            let carers: Vec<store::NewCarer> = CarerRole::ALL
                .iter()
                .enumerate()
                .filter(|(i, _)| !(k % 5 == 3 && *i == 5))
                .map(|(i, r)| store::NewCarer {
                    role: *r,
                    name: if *r == CarerRole::StationLeader {
                        sp.deputy.clone()
                    } else {
                        names[(i + k) % names.len()].to_string()
                    },
                    user_id: match r {
                        CarerRole::StationLeader | CarerRole::CommunityOfficer => station_user,
                        _ => None,
                    },
                })
                .collect();
            let opened = days_ago(today, rng.random_range(60..400));
            let kp = store::NewKeyPerson {
                resident_id: rid,
                categories: cats.clone(),
                legal_basis: "《中华人民共和国反电信网络诈骗法》第三十一条".into(),
                deciding_authority: "清溪县公安局".into(),
                risk_score: Some(rng.random_range(40..95)),
                unit_id: st.unit_id,
                abroad,
                abroad_place: if abroad { "缅甸妙瓦底".into() } else { String::new() },
                visit_every_days: 30,
                opened_on: opened,
                carers,
                created_by: sp.chief.clone(),
            };
            let id = store.add_key_person(&Scope::All, &kp, None).await?;
            // Visits: the last between 5 and 50 days ago, so about a third are overdue.
            let last = rng.random_range(5..50);
            for v in [last + 60, last + 30, last] {
                if v < 400 {
                    let kind = if abroad { VisitKind::PersuadeReturn } else { VisitKind::Visit };
                    store
                        .add_visit(
                            &Scope::All,
                            id,
                            kind,
                            days_ago(today, v).max(opened),
                            "网格员",
                            if abroad {
                                "联系其家属，做劝返工作"
                            } else {
                                "上门走访，了解近况，开展帮教"
                            },
                            today,
                            None,
                        )
                        .await?;
                }
            }
            if cats.contains(&KeyPersonCategory::TwoCards) {
                let s = days_ago(today, rng.random_range(10..200));
                let mid = store
                    .add_measure(
                        &Scope::All,
                        id,
                        MeasureKind::CardRestriction,
                        s,
                        s.checked_add(jiff::Span::new().years(2)).unwrap_or(s).yesterday().unwrap_or(s),
                        &sp.chief,
                        "出租、出售本人银行卡用于电信网络诈骗",
                        "向清溪县公安局提出申诉，电话 0793-1234567",
                        "身份证、申诉书、相关证明材料",
                        None,
                    )
                    .await?;
                if k == 4 {
                    store
                        .decide_appeal(
                            &Scope::All,
                            mid,
                            days_ago(today, 3),
                            "银行卡系被他人冒用，已报案",
                            true,
                            "反诈中心 研判员",
                            "核查属实，予以解除",
                            today,
                            None,
                        )
                        .await?;
                }
            }
            if cats.contains(&KeyPersonCategory::Returnee) {
                let s = days_ago(today, rng.random_range(10..100));
                store
                    .add_measure(
                        &Scope::All,
                        id,
                        MeasureKind::ExitBan,
                        s,
                        s.checked_add(jiff::Span::new().years(1)).unwrap_or(s),
                        &sp.chief,
                        "非法出境参与境外电信网络诈骗后回流",
                        "向清溪县公安局出入境管理大队申诉",
                        "身份证、申诉书",
                        None,
                    )
                    .await?;
            }
            n += 1;
        }
    }
    // The demo grid worker cares for the key persons of their village.
    if let Some(g) = plan.users.iter().find(|u| u.username == "grid")
        && let Some(j) = store.jurisdiction_by_code(&g.jurisdiction_code).await?
    {
        let ids = store.resident_ids(&Scope::Subtrees(vec![j.path.clone()]), &["18_30", "31_45"], 50).await?;
        let station = stations
            .iter()
            .find(|s| s.precinct_paths.iter().any(|p| j.path.starts_with(p.as_str())))
            .or(stations.first())
            .context("no station")?;
        for (k, rid) in ids.iter().step_by(17).take(3).enumerate() {
            let carers = vec![
                store::NewCarer { role: CarerRole::GridWorker, name: g.display_name.clone(), user_id: grid_id },
                store::NewCarer { role: CarerRole::VillageCadre, name: "周德明".into(), user_id: None },
                store::NewCarer { role: CarerRole::CloseRelative, name: "家属".into(), user_id: None },
            ];
            let kp = store::NewKeyPerson {
                resident_id: *rid,
                categories: vec![KeyPersonCategory::TwoCards],
                legal_basis: "《中华人民共和国反电信网络诈骗法》第三十一条".into(),
                deciding_authority: "清溪县公安局".into(),
                risk_score: Some(60 + k as i64 * 10),
                unit_id: station.unit_id,
                abroad: false,
                abroad_place: String::new(),
                visit_every_days: 30,
                opened_on: days_ago(today, 120),
                carers,
                created_by: "演示数据".into(),
            };
            let id = store.add_key_person(&Scope::All, &kp, None).await?;
            // The first is overdue (last seen 45 days ago), the others were seen lately.
            store
                .add_visit(
                    &Scope::All,
                    id,
                    VisitKind::Visit,
                    days_ago(today, if k == 0 { 45 } else { 8 }),
                    &g.display_name,
                    "入户走访帮教",
                    today,
                    None,
                )
                .await?;
            n += 1;
        }
    }
    eprintln!("Demo key persons: {n}.");
    Ok(())
}

async fn seed_dual_inquiries(state: &server::AppState, rng: &mut ChaCha8Rng, today: Date) -> anyhow::Result<()> {
    let store = &state.store;
    let first = today.first_of_month();
    let prev = first.checked_sub(jiff::Span::new().months(2)).unwrap_or(first);
    let tz = domain::time::china();
    let from_ms = prev.to_zoned(tz.clone())?.timestamp().as_millisecond();
    let to_ms = first.to_zoned(tz)?.timestamp().as_millisecond();
    let cases = store
        .list_cases(
            &Scope::All,
            &store::CaseFilter { from_ms: Some(from_ms), to_ms: Some(to_ms), ..Default::default() },
            store::PageReq { page: 1, per_page: 500 },
        )
        .await?;
    // Victims: a resident of the case's village; most households were reached, some not.
    let mut attached = 0;
    for c in &cases.items {
        let Some(jid) = c.jurisdiction_id else { continue };
        let Some(j) = store.jurisdiction(jid).await? else { continue };
        let ids = store.resident_ids(&Scope::Subtrees(vec![j.path]), &[], 300).await?;
        if let Some(rid) = ids.choose(rng)
            && store.attach_victim(c.id, *rid).await?
        {
            attached += 1;
        }
    }
    let opened = store.open_dual_inquiries(from_ms, to_ms, state.config.prevention.dual_inquiry_rate, None).await?;
    // The checkers have answered the older half; last month's wait in the list.
    let list = store.dual_inquiries(&Scope::All, true, store::PageReq { page: 1, per_page: 500 }).await?;
    let mid_ms = prev
        .checked_add(jiff::Span::new().months(1))
        .ok()
        .and_then(|d| d.to_zoned(domain::time::china()).ok())
        .map(|z| z.timestamp().as_millisecond())
        .unwrap_or(to_ms);
    for d in list.items.iter().filter(|d| d.reported_at < mid_ms) {
        let educated = d.forms_found > 0;
        let note = if educated {
            "电话回访，受害人确认曾签收防骗宣传回执"
        } else {
            "电话回访，受害人表示未接受过反诈宣传，辖区无回执记录"
        };
        store
            .answer_dual_inquiry(
                &Scope::All,
                d.id,
                educated,
                None,
                note,
                "县反诈办 周主任",
                today,
                state.config.prevention.rectification_days,
                None,
            )
            .await?;
    }
    eprintln!("Demo dual inquiries: {opened} opened for {attached} cases with known victims.");
    Ok(())
}

async fn seed_outlets(state: &server::AppState, seed: u64, rng: &mut ChaCha8Rng, today: Date) -> anyhow::Result<()> {
    let store = &state.store;
    // The same pools the demo cases drew their suspects' accounts and numbers from.
    let mut pool_rng = ChaCha8Rng::seed_from_u64(seed ^ 0x11c4);
    let accounts: Vec<String> = (0..400).map(|_| crate::demo_events::account(&mut pool_rng)).collect();
    let phones: Vec<String> = (0..200)
        .map(|i| format!("1{}{:08}", [70, 71, 65, 67][i % 4], pool_rng.random_range(0..100_000_000u32)))
        .collect();
    let units = store
        .list_units(&Scope::All, &store::UnitFilter::default(), store::PageReq { page: 1, per_page: 500 })
        .await?
        .items;
    let outlets: Vec<&store::MemberUnit> = units.iter().filter(|u| u.code.starts_with("OUT-")).collect();
    for (i, o) in outlets.iter().enumerate() {
        let bank = o.code.starts_with("OUT-RCB");
        // Two outlets are where the rings opened their cards.
        let dirty = if o.code == "OUT-RCB05" || o.code == "OUT-CMCC09" {
            12
        } else if i % 5 == 0 {
            1
        } else {
            0
        };
        for k in 0..rng.random_range(80..200) {
            let opened = days_ago(today, rng.random_range(1..360));
            let number = if k < dirty {
                if bank {
                    accounts[(i * 13 + k) % accounts.len()].clone()
                } else {
                    phones[(i * 7 + k) % phones.len()].clone()
                }
            } else if bank {
                format!("6230{:012}", rng.random_range(0..1_000_000_000_000u64))
            } else {
                format!("1{}{:09}", [38, 39, 58][k % 3], rng.random_range(0..1_000_000_000u64))
            };
            store.add_outlet_account(o.id, if bank { "bank_card" } else { "phone_card" }, &number, opened).await?;
        }
        if i % 3 == 0 {
            store
                .add_outlet_check(
                    o.id,
                    days_ago(today, rng.random_range(5..90)),
                    "县反诈办 周主任",
                    dirty < 5,
                    if dirty < 5 { "" } else { "未落实“一人多卡”核查，开户意愿核实流于形式" },
                    None,
                )
                .await?;
        }
    }
    Ok(())
}
