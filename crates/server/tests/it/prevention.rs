//! Prevention over the HTTP API: who sees which unit's work, how coverage rates are formed,
//! key-person measures and appeals, tasks, the dual inquiry and the carers' inbox.

use super::*;
use domain::prevention::FormKind;

/// Two schools with a reporter each, a village committee for each village, and two
/// households in village A and one in village B.
struct Prev {
    school_a: i64,
    school_b: i64,
    vc_a: i64,
    vc_b: i64,
    hh_a1: (String, i64),
    hh_a2: (String, i64),
    hh_b: (String, i64),
}

async fn setup(app: &App) -> Prev {
    let s = &app.store;
    let c = &app.county;
    let unit = |code: &str, kind, j| NewMemberUnit {
        code: code.into(),
        name: format!("{code}单位"),
        kind,
        parent_unit_id: None,
        jurisdiction_id: j,
        contact_name: "联系人".into(),
        covers: vec![],
    };
    let school_a = s.create_unit(&unit("SA", MemberUnitKind::School, c.town_a), None).await.expect("unit").id;
    let school_b = s.create_unit(&unit("SB", MemberUnitKind::School, c.town_a), None).await.expect("unit").id;
    let vc_a = s.create_unit(&unit("VCA", MemberUnitKind::VillageCommittee, c.village_a), None).await.expect("unit").id;
    let vc_b = s.create_unit(&unit("VCB", MemberUnitKind::VillageCommittee, c.village_b), None).await.expect("unit").id;
    let hash = server::auth::hash_password(PW).expect("hash");
    let county_id = s
        .jurisdiction_tree(&domain::Scope::All)
        .await
        .expect("tree")
        .into_iter()
        .find(|j| j.parent_id.is_none())
        .expect("county")
        .id;
    for (name, unit_id) in [("rep_a", school_a), ("rep_b", school_b)] {
        s.create_user(
            &NewUser {
                username: name.into(),
                display_name: name.into(),
                password_hash: hash.clone(),
                role: Role::UnitReporter,
                unit_id,
                jurisdiction_id: county_id,
                must_change_password: false,
            },
            domain::audit::AuditContent::system("test", "create", "user", 0),
        )
        .await
        .expect("user");
    }
    let r = |n: u32, jid, hh: &str| NewResident {
        name: format!("钱{n}号"),
        id_number: IdNumber::with_check(&format!("11010519800101{:03}", n)).expect("id"),
        phone: None,
        address: Some(format!("甲镇甲村{n}组{n}号")),
        gender: "女".into(),
        age_band: AgeBand::From31To45,
        household_code: hh.into(),
        jurisdiction_id: jid,
    };
    let ids = s
        .insert_residents(&[
            r(11, c.village_a, "HA-1"),
            r(12, c.village_a, "HA-1"),
            r(13, c.village_a, "HA-2"),
            r(14, c.village_b, "HB-1"),
        ])
        .await
        .expect("residents");
    let id = |i: usize| *ids[i].as_ref().expect("resident");
    Prev {
        school_a,
        school_b,
        vc_a,
        vc_b,
        hh_a1: ("HA-1".into(), id(0)),
        hh_a2: ("HA-2".into(), id(2)),
        hh_b: ("HB-1".into(), id(3)),
    }
}

fn today() -> jiff::civil::Date {
    domain::time::china_date(store::now_ms()).expect("today")
}

fn ago(n: i64) -> String {
    today().checked_sub(jiff::Span::new().days(n)).expect("date").to_string()
}

pub(super) async fn units_see_only_their_own_submissions(app: &App) {
    let p = setup(app).await;
    let c = &app.county;
    let a = login(app, "rep_a").await;
    let b = login(app, "rep_b").await;
    let (st, act) = a.post("/api/v1/prevention/activities", json!({"jurisdiction_id": c.town_a, "kind": "school_class", "audience": "students", "title": "防骗微课堂", "held_on": ago(3), "head_count": 120})).await;
    assert_eq!(st, StatusCode::OK, "{act}");
    let act_id = act["id"].as_i64().expect("id");
    assert_eq!(act["unit_id"].as_i64(), Some(p.school_a));
    let (st, fig) = a.post("/api/v1/prevention/figures", json!({"jurisdiction_id": c.town_a, "metric": "awareness", "period": &ago(3)[..7], "value": 300, "evidence": "签到表"})).await;
    assert_eq!(st, StatusCode::OK, "{fig}");
    // A figure without evidence, or more than its base, is refused by field.
    let (st, e) = a.post("/api/v1/prevention/figures", json!({"jurisdiction_id": c.town_a, "metric": "sms_coverage", "period": "2026-01", "value": 10, "base": 5, "evidence": "x"})).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
    assert!(e["message"].as_str().unwrap_or_default().starts_with("value"), "{e}");
    // A reporter cannot record for another unit.
    let (st, _) = b.post("/api/v1/prevention/activities", json!({"jurisdiction_id": c.town_a, "kind": "lecture", "audience": "staff", "title": "冒名", "held_on": ago(1), "head_count": 1, "unit_id": p.school_a})).await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    let (_, mine) = a.get("/api/v1/prevention/activities").await;
    assert_eq!(mine["total"].as_i64(), Some(1));
    let (_, theirs) = b.get("/api/v1/prevention/activities").await;
    assert_eq!(theirs["total"].as_i64(), Some(0), "unit B sees unit A's activity: {theirs}");
    let (_, figs) = b.get("/api/v1/prevention/figures").await;
    assert_eq!(figs["total"].as_i64(), Some(0), "{figs}");
    let (st, _) = b.get(&format!("/api/v1/prevention/activities/{act_id}/files")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = b.get(&format!("/api/v1/prevention/scorecards/{}", p.school_a)).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // The office sees both units' work and verifies; a verified figure is final.
    let o = login(app, "office").await;
    let (_, all) = o.get("/api/v1/prevention/figures?status=pending").await;
    assert_eq!(all["total"].as_i64(), Some(1));
    let fid = fig["id"].as_i64().expect("id");
    let (st, v) = o.post(&format!("/api/v1/prevention/figures/{fid}/review"), json!({"verified": true})).await;
    assert_eq!((st, v["status"].as_str()), (StatusCode::OK, Some("verified")));
    let (st, _) =
        o.post(&format!("/api/v1/prevention/figures/{fid}/review"), json!({"verified": false, "note": "改判"})).await;
    assert_eq!(st, StatusCode::CONFLICT);
    // Evidence is checked from its bytes, and the scorecard counts it.
    let png: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    let form =
        reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(png.to_vec()).file_name("a.png"));
    let r =
        a.c.post(format!("{}/api/v1/prevention/activities/{act_id}/files", app.base))
            .header("x-csrf-token", &a.csrf)
            .multipart(form)
            .send()
            .await
            .expect("upload");
    assert_eq!(r.status(), StatusCode::OK);
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(b"<html>".to_vec()).file_name("a.png"));
    let r =
        a.c.post(format!("{}/api/v1/prevention/activities/{act_id}/files", app.base))
            .header("x-csrf-token", &a.csrf)
            .multipart(form)
            .send()
            .await
            .expect("upload");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // Each recorded change has its one entry (committed with it); what was refused has none.
    assert_eq!(audited(app, "outreach_activity", "create").await, vec![Some(act_id.to_string())]);
    assert_eq!(audited(app, "coverage_figure", "create").await, vec![Some(fid.to_string())]);
    assert_eq!(audited(app, "coverage_figure", "update").await, vec![Some(fid.to_string())]);
    assert_eq!(audited(app, "outreach_file", "create").await.len(), 1);
    let (_, card) = a.get(&format!("/api/v1/prevention/scorecards/{}", p.school_a)).await;
    assert_eq!(
        (
            card["activities"].as_i64(),
            card["head_count"].as_i64(),
            card["activities_with_evidence"].as_i64(),
            card["files"].as_i64()
        ),
        (Some(1), Some(120), Some(1), Some(1)),
        "{card}"
    );
    let (_, card_b) = o.get(&format!("/api/v1/prevention/scorecards/{}", p.school_b)).await;
    assert_eq!(card_b["activities"].as_i64(), Some(0));
    let _ = (p.vc_a, p.vc_b);
}

pub(super) async fn rates_use_the_population_of_the_area_and_period(app: &App) {
    let p = setup(app).await;
    let c = &app.county;
    let s = &app.store;
    s.set_populations(&[
        PopulationRow {
            jurisdiction_id: c.village_a,
            as_of: "2025-01-01".into(),
            residents: 1_000,
            source: String::new(),
        },
        PopulationRow {
            jurisdiction_id: c.village_a,
            as_of: "2025-06-01".into(),
            residents: 2_000,
            source: String::new(),
        },
        PopulationRow {
            jurisdiction_id: c.village_b,
            as_of: "2025-01-01".into(),
            residents: 5_000,
            source: String::new(),
        },
    ])
    .await
    .expect("population");
    let scope = domain::Scope::All;
    for (period, value) in [("2025-03", 500), ("2025-07", 800)] {
        let id = s
            .submit_figure(
                &scope,
                p.vc_a,
                c.village_a,
                domain::prevention::FigureMetric::AppInstall,
                period,
                value,
                None,
                "后台导出",
                "t",
                None,
            )
            .await
            .expect("figure");
        s.review_figure(&scope, id, true, "office", "", None).await.expect("verify");
    }
    // A pending figure never counts.
    s.submit_figure(
        &scope,
        p.vc_b,
        c.village_b,
        domain::prevention::FigureMetric::AppInstall,
        "2025-03",
        4_000,
        None,
        "后台导出",
        "t",
        None,
    )
    .await
    .expect("figure");
    let d = |y, m, day| jiff::civil::date(y, m, day);
    for (hh, on, kind) in [
        (&p.hh_a1, d(2025, 2, 1), FormKind::Receipt),
        (&p.hh_a2, d(2024, 12, 31), FormKind::Pledge),
        (&p.hh_b, d(2025, 7, 10), FormKind::Pledge),
    ] {
        s.add_form(&scope, kind, &hh.0, Some(hh.1), p.vc_a, None, on, "t", None).await.expect("form");
    }
    let o = login(app, "office").await;
    let area = |v: &Value, id: i64| {
        v["villages"]
            .as_array()
            .expect("villages")
            .iter()
            .find(|x| x["jurisdiction_id"].as_i64() == Some(id))
            .cloned()
            .expect("village")
    };
    let (st, q1) = o.get("/api/v1/prevention/coverage?from=2025-01-01&to=2025-03-31").await;
    assert_eq!(st, StatusCode::OK, "{q1}");
    let va = area(&q1, c.village_a);
    assert_eq!(
        va["coverage"]["counts"]["residents"].as_i64(),
        Some(1_000),
        "the figure in force at the end of March: {va}"
    );
    assert_eq!(va["coverage"]["four"]["app_install"].as_f64(), Some(0.5));
    // Households: HA-1 reached in the period; HA-2's pledge was signed before it.
    assert_eq!(va["coverage"]["counts"]["households"].as_i64(), Some(2));
    assert_eq!(va["coverage"]["four"]["awareness"].as_f64(), Some(0.5));
    assert_eq!(va["coverage"]["four"]["pledge"].as_f64(), Some(0.0));
    let vb = area(&q1, c.village_b);
    assert_eq!(vb["coverage"]["four"]["app_install"], Value::Null, "pending figure counted: {vb}");
    assert_eq!(vb["coverage"]["counts"]["residents"].as_i64(), Some(5_000));
    let (_, q2) = o.get("/api/v1/prevention/coverage?from=2025-01-01&to=2025-07-31").await;
    let va = area(&q2, c.village_a);
    assert_eq!(va["coverage"]["counts"]["residents"].as_i64(), Some(2_000), "{va}");
    assert_eq!(va["coverage"]["four"]["app_install"].as_f64(), Some(0.4));
    // The county rolls its villages up but keeps its own (missing) population figure.
    assert_eq!(
        q2["area"]["coverage"]["counts"]["households"].as_i64(),
        Some(3),
        "residents without a household code are no household: {}",
        q2["area"]
    );
    // The gap list names the household not reached, masked.
    let (_, gaps) =
        o.get(&format!("/api/v1/prevention/coverage/{}/gaps?from=2025-01-01&to=2025-03-31", c.village_a)).await;
    let codes: Vec<&str> =
        gaps["items"].as_array().expect("items").iter().filter_map(|g| g["household_code"].as_str()).collect();
    assert!(codes.contains(&"HA-2") && !codes.contains(&"HA-1"), "{gaps}");
    let text = gaps.to_string();
    assert!(!text.contains("钱13号") && text.contains("钱*"), "{text}");
    // A village's own people do not see another village.
    let g = login(app, "grid_a").await;
    let (st, _) = g.get(&format!("/api/v1/prevention/coverage/{}/gaps", c.village_b)).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

pub(super) async fn appeals_lift_measures_and_files_stay_masked(app: &App) {
    setup(app).await;
    let c = &app.county;
    let o = login(app, "officer_a").await;
    let grid = app.store.user_by_username("grid_a").await.expect("user").expect("grid").id;
    let (st, f) = o
        .post(
            "/api/v1/key-persons",
            json!({"resident_id": c.resident_a, "categories": ["two_cards", "涉两卡人员", "returnee"], "legal_basis": "反电信网络诈骗法第三十一条", "deciding_authority": "测试县公安局",
                   "risk_score": 70, "visit_every_days": 30, "opened_on": ago(100), "carers": [{"role": "grid_worker", "name": "网格员甲", "user_id": grid}, {"role": "近亲属", "name": "家属"}]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{f}");
    let id = f["person"]["id"].as_i64().expect("id");
    assert_eq!(f["person"]["categories"], json!(["two_cards", "returnee"]));
    assert_eq!(f["missing_carers"].as_array().map(Vec::len), Some(5));
    // An exit ban shorter than six months is refused, naming the field.
    let (st, e) = o.post(&format!("/api/v1/key-persons/{id}/measures"), json!({"kind": "exit_ban", "starts_on": ago(10), "ends_on": ago(-30), "reason": "r", "appeal_channel": "a", "documents": "d"})).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(e["message"].as_str().unwrap_or_default().starts_with("ends_on"), "{e}");
    let (st, f) = o.post(&format!("/api/v1/key-persons/{id}/measures"), json!({"kind": "card_restriction", "starts_on": ago(10), "ends_on": ago(-300), "decided_by": "张所长", "reason": "出售银行卡", "appeal_channel": "县公安局", "documents": "身份证"})).await;
    assert_eq!(st, StatusCode::OK, "{f}");
    let (_, f) = o.post(&format!("/api/v1/key-persons/{id}/measures"), json!({"kind": "credit_record", "starts_on": ago(10), "ends_on": ago(-300), "reason": "出售银行卡", "appeal_channel": "县公安局", "documents": "身份证"})).await;
    assert_eq!(f["person"]["measures_in_force"].as_i64(), Some(2));
    let m1 = f["measures"][0]["id"].as_i64().expect("measure");
    let m2 = f["measures"][1]["id"].as_i64().expect("measure");
    assert_eq!(f["measures"][0]["decided_by"].as_str(), Some("张所长"));
    // The decider is recorded as a person of a unit (the test county's names are the logins).
    let decider = f["measures"][1]["decided_by"].as_str().unwrap_or_default();
    assert_eq!(decider, "officer_a · 甲所", "the decider is recorded");
    // A failed appeal leaves the measure in force; a passed one lifts it at once.
    let (st, _) = o
        .post(
            &format!("/api/v1/key-persons/measures/{m2}/appeal"),
            json!({"filed_on": ago(2), "grounds": "不服", "passed": false}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = o
        .post(
            &format!("/api/v1/key-persons/measures/{m1}/appeal"),
            json!({"filed_on": ago(2), "grounds": "卡被冒用", "passed": true, "note": "核查属实"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (_, f) = o.get(&format!("/api/v1/key-persons/{id}")).await;
    assert_eq!(f["measures"][0]["state"].as_str(), Some("lifted"), "{f}");
    assert_eq!(f["measures"][1]["state"].as_str(), Some("in_force"));
    assert_eq!(f["person"]["measures_in_force"].as_i64(), Some(1));
    let (st, _) = o
        .post(
            &format!("/api/v1/key-persons/measures/{m1}/appeal"),
            json!({"filed_on": ago(1), "grounds": "再次", "passed": true}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    // Personal data stays masked in the list and the file.
    let (_, list) = o.get("/api/v1/key-persons").await;
    for text in [list.to_string(), f.to_string()] {
        assert!(!text.contains("赵1\"") && !text.contains("110105197001010"), "unmasked: {text}");
    }
    assert_eq!(list[0]["name"].as_str(), Some("赵*"));
    // Another station does not see the file.
    let b = login(app, "officer_b").await;
    let (st, _) = b.get(&format!("/api/v1/key-persons/{id}")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // A visit 40 days ago with a 30-day plan: overdue, in the grid worker's inbox.
    let (_, f) = o
        .post(
            &format!("/api/v1/key-persons/{id}/visits"),
            json!({"kind": "visit", "visited_on": ago(40), "note": "走访"}),
        )
        .await;
    assert_eq!(f["person"]["visit_overdue"].as_bool(), Some(true), "{f}");
    let g = login(app, "grid_a").await;
    let (_, inbox) = g.get("/api/v1/inbox").await;
    assert_eq!(inbox["visits_due"][0]["id"].as_i64(), Some(id), "{inbox}");
    let (_, inbox_b) = b.get("/api/v1/inbox").await;
    assert_eq!(inbox_b["visits_due"].as_array().map(Vec::len), Some(0));
    o.post(&format!("/api/v1/key-persons/{id}/visits"), json!({"kind": "visit", "note": "今日走访"})).await;
    let (_, inbox) = g.get("/api/v1/inbox").await;
    assert_eq!(inbox["visits_due"].as_array().map(Vec::len), Some(0), "a visit today clears it: {inbox}");
    // Every change wrote one entry, committed with it; the refused ones wrote none.
    assert_eq!(audited(app, "key_person", "create").await, vec![Some(id.to_string())]);
    assert_eq!(audited(app, "key_person_measure", "create").await.len(), 2, "the refused exit ban wrote none");
    assert_eq!(audited(app, "key_person_measure", "update").await.len(), 2, "the appeal refused as lifted wrote none");
    assert_eq!(audited(app, "key_person_visit", "create").await.len(), 2);
    assert!(app.store.verify_audit().await.expect("chain") > 0);
}

/// The object ids of the audit entries of one kind of change, newest first.
pub(super) async fn audited(app: &App, object_type: &str, action: &str) -> Vec<Option<String>> {
    let f =
        store::AuditFilter { object_type: Some(object_type.into()), action: Some(action.into()), ..Default::default() };
    let page = app.store.list_audit(&f, store::PageReq { page: 1, per_page: 100 }).await.expect("audit");
    page.items.into_iter().map(|e| e.content.object_id).collect()
}

pub(super) async fn tasks_close_once_and_dual_inquiry_traces_the_unit(app: &App) {
    let p = setup(app).await;
    let c = &app.county;
    let s = &app.store;
    let o = login(app, "office").await;
    let (st, t) = o.post("/api/v1/tasks", json!({"unit_id": p.school_a, "kind": "inspection", "title": "督导发现：未留存影像资料", "due_on": ago(-10)})).await;
    assert_eq!(st, StatusCode::OK, "{t}");
    let tid = t["id"].as_i64().expect("id");
    let a = login(app, "rep_a").await;
    let b = login(app, "rep_b").await;
    let (st, _) = b.post(&format!("/api/v1/tasks/{tid}/close"), json!({"status": "done", "evidence": "x"})).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "another unit's task");
    let (st, _) = a.post(&format!("/api/v1/tasks/{tid}/close"), json!({"status": "done"})).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "done needs evidence");
    let (st, done) =
        a.post(&format!("/api/v1/tasks/{tid}/close"), json!({"status": "done", "evidence": "已补齐影像资料"})).await;
    assert_eq!((st, done["status"].as_str()), (StatusCode::OK, Some("done")), "{done}");
    let (st, again) =
        a.post(&format!("/api/v1/tasks/{tid}/close"), json!({"status": "done", "evidence": "再次"})).await;
    assert_eq!(st, StatusCode::CONFLICT, "{again}");
    let (st, _) = o.post(&format!("/api/v1/tasks/{tid}/close"), json!({"status": "cancelled"})).await;
    assert_eq!(st, StatusCode::CONFLICT);
    let (_, list) = o.get(&format!("/api/v1/tasks?unit_id={}", p.school_a)).await;
    assert_eq!(list["items"][0]["evidence"].as_str(), Some("已补齐影像资料"), "the first closing stays");
    assert_eq!(list["items"][0]["closed_at"].as_i64(), done["closed_at"].as_i64());

    // Dual inquiry: the victim in village A had a receipt before the case; the one in B none.
    s.add_form(
        &domain::Scope::All,
        FormKind::Receipt,
        &p.hh_a1.0,
        None,
        p.vc_a,
        None,
        today().checked_sub(jiff::Span::new().days(30)).expect("d"),
        "t",
        None,
    )
    .await
    .expect("form");
    let station = s.list_stations().await.expect("stations")[0].id;
    let when = store::now_ms() - 2 * 86_400_000;
    let case = |no: &str, j, v| NewCase {
        case_no: no.into(),
        reported_at: when,
        filed_at: None,
        solved_at: None,
        station_id: station,
        jurisdiction_id: j,
        fraud_type: "brushing_rebate".into(),
        loss_fen: 100_000,
        recovered_fen: 0,
        arrested: 0,
        victim_resident_id: Some(v),
        victim_age_band: "31_45".into(),
        victim_occupation: String::new(),
        contact_channel: "QQ".into(),
        status: domain::case::CaseStatus::Reported,
        observables: vec![],
    };
    for r in s
        .insert_cases(&[case("DI-1", c.village_a, p.hh_a1.1), case("DI-2", c.village_b, p.hh_b.1)], None)
        .await
        .expect("cases")
    {
        r.expect("case");
    }
    let month = domain::time::china_month(when).expect("month");
    let an = login(app, "officer_a").await;
    let (st, _) = an.post(&format!("/api/v1/supervision/dual-inquiries?month={month}"), json!({})).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "the office samples, stations call back");
    let (st, r) = o.post(&format!("/api/v1/supervision/dual-inquiries?month={month}"), json!({})).await;
    assert_eq!((st, r["opened"].as_i64()), (StatusCode::OK, Some(2)), "{r}");
    let (_, again) = o.post(&format!("/api/v1/supervision/dual-inquiries?month={month}"), json!({})).await;
    assert_eq!(again["opened"].as_i64(), Some(0));
    let (_, list) = o.get("/api/v1/supervision/dual-inquiries").await;
    let by_no = |no: &str| {
        list["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|d| d["case_no"].as_str() == Some(no))
            .cloned()
            .expect("inquiry")
    };
    assert_eq!(by_no("DI-1")["forms_found"].as_i64(), Some(1), "{list}");
    assert_eq!(by_no("DI-2")["forms_found"].as_i64(), Some(0));
    let di2 = by_no("DI-2")["id"].as_i64().expect("id");
    let (st, _) = an
        .post(&format!("/api/v1/supervision/dual-inquiries/{di2}/answer"), json!({"educated": false, "note": "回访"}))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND, "case B is outside officer A's area");
    let ob = login(app, "officer_b").await;
    let (st, ans) = ob
        .post(
            &format!("/api/v1/supervision/dual-inquiries/{di2}/answer"),
            json!({"educated": false, "note": "电话回访：未接受宣传"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{ans}");
    assert_eq!(ans["responsible_unit"].as_str(), Some("VCB单位"));
    let task_id = ans["task_id"].as_i64().expect("task raised");
    let (_, tasks) = o.get(&format!("/api/v1/tasks?unit_id={}", p.vc_b)).await;
    assert_eq!(tasks["items"][0]["id"].as_i64(), Some(task_id));
    assert_eq!(tasks["items"][0]["kind"].as_str(), Some("dual_inquiry"));
    let (st, _) = ob
        .post(&format!("/api/v1/supervision/dual-inquiries/{di2}/answer"), json!({"educated": true, "note": "改口"}))
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    // The sample, each of its reruns and the answer wrote one entry each; the refused answer none.
    assert_eq!(audited(app, "dual_inquiry", "create").await, vec![Some(month.clone()), Some(month.clone())]);
    assert_eq!(audited(app, "dual_inquiry", "update").await, vec![Some(di2.to_string())]);
    let answer = app
        .store
        .list_audit(
            &store::AuditFilter {
                object_type: Some("dual_inquiry".into()),
                action: Some("update".into()),
                ..Default::default()
            },
            store::PageReq { page: 1, per_page: 1 },
        )
        .await
        .expect("audit");
    assert!(
        answer.items[0].content.detail.contains(&format!("\"task\":{task_id}")),
        "the entry names the task raised with the answer"
    );

    // A case of 500,000 yuan or more gets a full trace-back review task for its station, once.
    let big = NewCase {
        case_no: "DI-3".into(),
        loss_fen: 60_000_000,
        victim_resident_id: None,
        ..case("x", c.village_a, p.hh_a1.1)
    };
    s.insert_cases(&[big], None).await.expect("case").pop().expect("row").expect("case");
    for _ in 0..2 {
        let (st, named) = o.post(&format!("/api/v1/supervision/namings?month={month}"), json!({})).await;
        assert_eq!(st, StatusCode::OK, "{named}");
    }
    // Each notice is audited with what it listed, in the transaction of its tasks.
    assert_eq!(audited(app, "notice_naming", "create").await, vec![Some(month.to_string()); 2]);
    let (_, tb) = o.get("/api/v1/tasks?kind=trace_back").await;
    assert_eq!(tb["total"].as_i64(), Some(1), "{tb}");
    assert!(tb["items"][0]["title"].as_str().is_some_and(|t| t.contains("DI-3")), "{tb}");
    assert_eq!(tb["items"][0]["unit_name"].as_str(), Some("甲所"));
}
