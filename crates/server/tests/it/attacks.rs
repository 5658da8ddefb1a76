//! The attacks of the hardening issues, re-run over HTTP on both databases: each answered with
//! a clear error and none stops the service. Run on both databases by `both!` in main.rs.

use super::*;

fn audit_of(action: &str) -> AuditFilter {
    AuditFilter { action: Some(action.into()), ..Default::default() }
}

async fn alive(app: &App) {
    let r = Client::new().get(format!("{}/healthz", app.base)).send().await.expect("the server still answers");
    assert_eq!(r.status(), StatusCode::OK);
}

async fn upload(s: &Session, path: &str, name: &str, bytes: Vec<u8>) -> (StatusCode, Value, usize) {
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()));
    let r =
        s.c.post(format!("{}{path}", s.base))
            .header("x-csrf-token", &s.csrf)
            .multipart(form)
            .send()
            .await
            .expect("upload");
    let st = r.status();
    let body = r.bytes().await.expect("body");
    (st, serde_json::from_slice(&body).unwrap_or(Value::Null), body.len())
}

/// One login attempt from this machine's address: the status and the `Retry-After` it carries.
async fn try_login(app: &App, user: &str, pw: &str) -> (StatusCode, Option<String>) {
    let r = Client::new()
        .post(format!("{}/api/v1/auth/login", app.base))
        .json(&json!({"username": user, "password": pw}))
        .send()
        .await
        .expect("login");
    (r.status(), r.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_string))
}

/// Issue 29: a workbook claiming the whole sheet, a flood of bad rows, oversized login fields
/// and bodies, a month in year 1.
pub(crate) async fn input_is_bounded_before_it_is_parsed(app: &App) {
    let office = login(app, "office").await;
    let admin = login(app, "admin").await;
    // Two cells, A1 and XFD1048576: a 16,384 × 1,048,576 range if read as a range.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "name").expect("a1");
    ws.write_string(1_048_575, 16_383, "x").expect("xfd");
    let bomb = wb.save_to_buffer().expect("xlsx");
    assert!(bomb.len() < 10_000, "a small file ({} bytes)", bomb.len());
    let (st, e, _) = upload(&admin, "/api/v1/residents/import", "bomb.xlsx", bomb.clone()).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
    assert!(e["message"].as_str().is_some_and(|m| m.starts_with("file:") && m.contains("column 16384")), "{e}");
    let (st, e, _) = upload(&admin, "/api/v1/warnings/upstream/import", "bomb.xlsx", bomb).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
    alive(app).await;

    // 100,000 rows that each fail: the answer lists the first few hundred and counts the rest,
    // and is smaller than the upload.
    let mut csv = String::from("name,id_number,jurisdiction_code\n");
    for i in 0..100_000 {
        csv.push_str(&format!("x{i},1,VA\n"));
    }
    let sent = csv.len();
    let (st, rep, len) = upload(&admin, "/api/v1/residents/import", "bad.csv", csv.into_bytes()).await;
    assert_eq!(st, StatusCode::OK, "{rep}");
    assert_eq!((rep["accepted"].as_u64(), rep["rejected_total"].as_u64()), (Some(0), Some(100_000)));
    assert_eq!(rep["rejected"].as_array().map(Vec::len), Some(server::import::REPORT_MAX_ERRORS));
    assert_eq!(
        (rep["rejected"][0]["row"].as_u64(), rep["rejected"][0]["field"].as_str()),
        (Some(2), Some("id_number"))
    );
    assert!(len < sent / 10, "the report ({len} bytes) is far smaller than the upload ({sent} bytes)");

    // A long user name is refused before it is looked up or written to the audit log.
    let c = Client::new();
    let long = "a".repeat(10_000);
    let r = c
        .post(format!("{}/api/v1/auth/login", app.base))
        .json(&json!({"username": long, "password": "x"}))
        .send()
        .await
        .expect("login");
    let st = r.status();
    let e: Value = r.json().await.expect("json");
    assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
    assert!(e["message"].as_str().is_some_and(|m| m.starts_with("username")), "{e}");
    let logged =
        app.store.list_audit(&AuditFilter::default(), PageReq { page: 1, per_page: 200 }).await.expect("audit");
    assert!(logged.items.iter().all(|a| a.content.actor_name.len() < 200), "no audit entry holds the long name");
    // A 3 MiB body to a form is refused by its declared length, naming the limit.
    let body = format!(r#"{{"username": "admin", "password": "{}"}}"#, "x".repeat(3 * 1024 * 1024));
    let r = c
        .post(format!("{}/api/v1/auth/login", app.base))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("send");
    let st = r.status();
    let e: Value = r.json().await.unwrap_or(Value::Null);
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE, "{e}");
    assert!(e["message"].as_str().is_some_and(|m| m.contains(&server::guard::JSON_MAX_BYTES.to_string())), "{e}");

    // Dates far outside the platform's years answer 400, not a dropped connection.
    for q in ["month=0001-01", "month=9999-12", "month=2026-13"] {
        let (st, e) = office.get(&format!("/api/v1/supervision/stats?{q}")).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{q}: {e}");
    }
    alive(app).await;
}

/// Issue 30: thirty wrong passwords in a row are slowed, then locked; the right password does
/// not get through a lock; the lock is audited once.
pub(crate) async fn login_is_throttled_and_locked(app: &App) {
    let attempt = |pw: &'static str| try_login(app, "officer_a", pw);
    let mut codes = Vec::new();
    for _ in 0..30 {
        codes.push(attempt("wrong").await);
    }
    assert!(codes[..3].iter().all(|(st, _)| *st == StatusCode::UNAUTHORIZED), "the first three are judged: {codes:?}");
    let refused: Vec<_> =
        codes.iter().filter(|(st, _)| *st == StatusCode::TOO_MANY_REQUESTS || *st == StatusCode::LOCKED).collect();
    assert!(refused.len() >= 20, "most of thirty quick attempts are refused unjudged: {codes:?}");
    assert!(
        refused.iter().all(|(_, wait)| wait.as_deref().and_then(|w| w.parse::<u64>().ok()).is_some_and(|w| w >= 1)),
        "{codes:?}"
    );
    // The right password straight after is not let through.
    let (st, wait) = attempt(PW).await;
    assert!(st == StatusCode::TOO_MANY_REQUESTS || st == StatusCode::LOCKED, "{st} {wait:?}");
    let judged = codes.iter().filter(|(st, _)| *st == StatusCode::UNAUTHORIZED).count();
    let failed =
        app.store.list_audit(&audit_of("login_failed"), PageReq { page: 1, per_page: 100 }).await.expect("audit");
    assert_eq!(failed.total as usize, judged, "one entry per judged attempt, none per refused one");

    // An administrator sees the account held back and lifts it (audited); the right password
    // then gets through at once. Nobody else sees the list.
    let admin = super::login(app, "admin").await;
    let (st, locks) = admin.get("/api/v1/auth/locks").await;
    assert_eq!(st, StatusCode::OK, "{locks}");
    let held = locks.as_array().and_then(|a| a.iter().find(|l| l["throttle_key"] == "user:officer_a")).cloned();
    let held = held.unwrap_or_else(|| panic!("officer_a is held back: {locks}"));
    assert_eq!((held["kind"].as_str(), held["name"].as_str()), (Some("account"), Some("officer_a")), "{held}");
    assert!(held["failures"].as_i64().is_some_and(|n| n as usize == judged), "{held}");
    assert!(["locked", "slowed"].contains(&held["state"].as_str().unwrap_or_default()), "held back now: {held}");
    assert_eq!(super::login(app, "officer_b").await.get("/api/v1/auth/locks").await.0, StatusCode::FORBIDDEN);
    let lift = json!({"throttle_key": "user:officer_a"});
    assert_eq!(admin.post("/api/v1/auth/locks/lift", lift.clone()).await.0, StatusCode::NO_CONTENT);
    assert_eq!(admin.post("/api/v1/auth/locks/lift", lift).await.0, StatusCode::NOT_FOUND, "a lifted lock is gone");
    let (st, wait) = attempt(PW).await;
    assert_eq!(st, StatusCode::OK, "after the lift: {wait:?}");
    let lifted = app.store.list_audit(&audit_of("unlock"), PageReq { page: 1, per_page: 10 }).await.expect("audit");
    assert_eq!(
        lifted.items.iter().map(|e| e.content.object_id.clone()).collect::<Vec<_>>(),
        vec![Some("user:officer_a".to_string())]
    );
}

/// Issue 30: the browser's headers on the page and the API; markup refused in a name.
pub(crate) async fn browser_headers_and_no_markup_in_names(app: &App) {
    let r = Client::new().get(format!("{}/", app.base)).send().await.expect("page");
    let h = |n: &str| r.headers().get(n).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let csp = h("content-security-policy");
    let script = csp.split(';').map(str::trim).find(|d| d.starts_with("script-src")).unwrap_or_default().to_string();
    assert!(!script.is_empty() && !script.contains("'unsafe-inline'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(h("x-content-type-options"), "nosniff");
    assert!(!h("referrer-policy").is_empty());
    assert_eq!(h("strict-transport-security"), "", "plain HTTP on this machine (cookies not Secure): no HSTS");
    let admin = login(app, "admin").await;
    let (st, e) = admin
        .patch(
            &format!("/api/v1/jurisdictions/{}", app.county.village_a),
            json!({"name": "<img src=x onerror=alert(1)>"}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
    assert!(e["message"].as_str().is_some_and(|m| m.starts_with("name")), "{e}");
    let (_, v) = admin.get(&format!("/api/v1/jurisdictions/{}", app.county.village_a)).await;
    assert!(!v.to_string().contains("<img"), "{v}");
}

/// Issue 31: searching by an identifier is an unmasking; ids are the caller's (one bank's event
/// or upstream id never answers, nor pre-empts, another's); event times within the window; no
/// ranking stored at a future cut-off; keys limited by kind.
pub(crate) async fn ids_are_the_callers_and_search_is_unmasking(app: &App) {
    let admin = login(app, "admin").await;
    let office = login(app, "office").await;
    let officer = login(app, "officer_a").await;

    // The office may read residents, not unmask: a search by a full phone number would tell it
    // the number behind the mask.
    let (st, e) = office.get("/api/v1/residents?phone=13912340001").await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{e}");
    let (st, e) = office.get("/api/v1/residents?id_number=110105197001010012").await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{e}");
    // Names match exactly: a prefix finds nothing.
    let (st, v) = office.get("/api/v1/residents?name=%E8%B5%B5").await;
    assert_eq!((st, v["total"].as_i64()), (StatusCode::OK, Some(0)), "{v}");
    // An officer may, with a reason, audited with the number's keyed fingerprint, not the number.
    let (st, e) = officer.get("/api/v1/residents?phone=13912340001").await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
    assert!(e["message"].as_str().is_some_and(|m| m.starts_with("reason:")), "{e}");
    // People read it in Chinese, the field by its label.
    assert_eq!(e["field"], "reason", "{e}");
    assert!(
        e["message_zh"]
            .as_str()
            .is_some_and(|m| m.starts_with("「事由」") && !m.chars().any(|c| c.is_ascii_alphabetic())),
        "{e}"
    );
    let (st, v) = officer.get("/api/v1/residents?phone=13912340001&reason=%E6%A0%B8%E6%9F%A5").await;
    assert_eq!((st, v["total"].as_i64()), (StatusCode::OK, Some(1)), "{v}");
    let searches = app.store.list_audit(&audit_of("search_identifier"), PageReq::default()).await.expect("audit");
    assert_eq!(searches.total, 1);
    assert!(!searches.items[0].content.detail.contains("13912340001"), "{}", searches.items[0].content.detail);
    // Walking the numbers the mask leaves open runs into the per-user limit.
    let mut limited = false;
    for n in 0..40 {
        let (st, _) = officer.get(&format!("/api/v1/residents?phone=1391234{n:04}&reason=%E6%A0%B8%E6%9F%A5")).await;
        if st == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
            break;
        }
        assert_eq!(st, StatusCode::OK);
    }
    assert!(limited, "forty searches by number in a row are not all answered");

    // Two banks' keys, each with its own unit.
    let (st, bank_b) = admin
        .post(
            "/api/v1/units",
            json!({"code": "BANKB", "name": "乙银行", "kind": "bank_branch", "jurisdiction_id": app.county.town_a}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{bank_b}");
    let mut secrets = Vec::new();
    for unit in [app.county.office_unit, bank_b["id"].as_i64().expect("unit")] {
        let (st, key) = admin
            .post(
                "/api/v1/api-keys",
                json!({"name": format!("银行 {unit}"), "unit_id": unit, "jurisdiction_id": app.county.town_a,
                       "permissions": ["decide", "upstream_push"], "sources": ["bank"]}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{key}");
        secrets.push(key["secret"].as_str().expect("secret").to_string());
    }
    let anon = Client::new();
    let send = |secret: &str, path: &str, body: Value| {
        anon.post(format!("{}/api/v1{path}", app.base)).bearer_auth(secret.to_string()).json(&body).send()
    };
    let transfer = |id: &str| json!({"event_id": id, "payer_account": "6222000000009001", "payee_account": "6217000000009002", "amount_fen": 10_000});
    let decide = |secret: &str, id: &str| {
        let r = send(secret, "/decide", transfer(id));
        async move {
            let r = r.await.expect("decide");
            assert_eq!(r.status(), StatusCode::OK);
            r.json::<Value>().await.expect("json")["duplicate"].as_bool().expect("duplicate")
        }
    };
    assert!(!decide(&secrets[0], "X-1").await, "bank A's first X-1 is decided");
    assert!(!decide(&secrets[1], "X-1").await, "bank B's X-1 is its own, and decided");
    assert!(decide(&secrets[0], "X-1").await, "bank A's repeat is a duplicate");
    assert!(decide(&secrets[1], "X-1").await, "bank B's repeat is a duplicate");

    // A transfer dated in the year 9999 is refused, naming the field; the window holds.
    let mut late = transfer("X-2");
    late["time"] = json!("9999-01-01T00:00:00Z");
    let r = send(&secrets[0], "/decide", late).await.expect("decide");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let e: Value = r.json().await.expect("json");
    assert!(e["message"].as_str().is_some_and(|m| m.starts_with("time:")), "{e}");

    // Upstream ids of banks are per bank: B's U-1 is a warning of its own, A's repeat is not.
    let count = || async {
        app.store.list_warnings(&domain::Scope::All, false, PageReq { page: 1, per_page: 1 }).await.expect("w").total
    };
    let up = |id: &str, source: &str| json!([{"upstream_id": id, "source": source, "grade": "high", "subject_kind": "account", "subject": "6217000000009002"}]);
    let before = count().await;
    for (secret, want) in [(&secrets[0], 1), (&secrets[1], 2), (&secrets[0], 2)] {
        let r = send(secret, "/warnings/upstream", up("U-1", "bank")).await.expect("push");
        assert_eq!(r.status(), StatusCode::OK);
        let rep: Value = r.json().await.expect("json");
        assert_eq!(rep["accepted"], 1, "{rep}");
        assert!(rep.get("ids").is_none() && rep.get("routed").is_none(), "a key learns nothing of routing: {rep}");
        assert_eq!(count().await - before, want);
    }
    // A bank's key may not speak for the national platform, nor pre-empt its ids.
    let r = send(&secrets[0], "/warnings/upstream", up("N-1", "national")).await.expect("push");
    let rep: Value = r.json().await.expect("json");
    assert_eq!((rep["accepted"].as_u64(), rep["rejected"][0]["field"].as_str()), (Some(0), Some("source")), "{rep}");

    // A key never receives audit_read, resident or list permissions without the system
    // administrator's explicit grant, and then only with an expiry of at most 90 days.
    for perm in ["audit_read", "resident_read", "resident_write", "list_write"] {
        let (st, e) = admin
            .post("/api/v1/api-keys", json!({"name": "k", "unit_id": app.county.office_unit, "jurisdiction_id": app.county.town_a, "permissions": [perm]}))
            .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{perm}: {e}");
        let (st, e) = admin
            .post("/api/v1/api-keys", json!({"name": "k", "unit_id": app.county.office_unit, "jurisdiction_id": app.county.town_a, "permissions": [perm], "allow_sensitive": true}))
            .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{perm} without an expiry: {e}");
        assert!(e["message"].as_str().is_some_and(|m| m.starts_with("expires_at:")), "{e}");
    }
    let soon = jiff::Timestamp::from_millisecond(store::now_ms() + 30 * 86_400_000).expect("t").to_string();
    let (st, e) = admin
        .post("/api/v1/api-keys", json!({"name": "审计对接", "unit_id": app.county.office_unit, "jurisdiction_id": app.county.town_a, "permissions": ["audit_read"], "allow_sensitive": true, "expires_at": soon}))
        .await;
    assert_eq!(st, StatusCode::OK, "granted explicitly, with an expiry: {e}");

    // A ranking is never stored by a GET, nor at a cut-off in the future.
    let month = domain::time::china_date(store::now_ms()).expect("today").strftime("%Y-%m").to_string();
    let (st, e) = office.get(&format!("/api/v1/supervision/ranking?month={month}&cutoff=2999-01-01T00:00:00Z")).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
    assert!(e["message"].as_str().is_some_and(|m| m.starts_with("cutoff:")), "{e}");
    let (st, e) = admin
        .post("/api/v1/supervision/ranking/publish", json!({"month": month, "cutoff": "2999-01-01T00:00:00Z"}))
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
    alive(app).await;
}

/// Issue 30: an office behind one address (NAT) whose people each mistype a few times is not
/// held back as a whole: the address counts names, not attempts. A spray over many names from
/// one address still is.
pub(crate) async fn one_office_typos_are_not_a_spray(app: &App) {
    let attempt = |user: &'static str, pw: &'static str| async move { try_login(app, user, pw).await.0 };
    // Five people, three typos each: fifteen failures from one address, each account within
    // its own free attempts.
    for user in ["admin", "office", "officer_a", "officer_b", "grid_a"] {
        for _ in 0..3 {
            assert_eq!(attempt(user, "Typo#2026x").await, StatusCode::UNAUTHORIZED, "{user}'s typo is judged");
        }
    }
    for user in ["admin", "office", "officer_a", "officer_b", "grid_a"] {
        assert_eq!(attempt(user, PW).await, StatusCode::OK, "{user} then logs in at once");
    }
    // Spraying: one password over many names from the same address is slowed, then locked.
    let mut held = None;
    for i in 0..40 {
        let (st, _) = try_login(app, &format!("spray{i}"), "Spring#2026").await;
        if st == StatusCode::TOO_MANY_REQUESTS || st == StatusCode::LOCKED {
            held = Some(i);
            break;
        }
    }
    let held = held.expect("a spray over forty names is held back");
    assert!(held <= 12, "held back after the address's free names (at attempt {held})");
    // The pair keys behind this are no locks: the administrator's list (read here from the
    // store, as the address is now held back) shows the address, not them.
    let locks = app.store.login_locks(0).await.expect("locks");
    let keys: Vec<&str> = locks.iter().map(|l| l.throttle_key.as_str()).collect();
    assert!(keys.iter().any(|k| k.starts_with("ip:")), "{keys:?}");
    assert!(!keys.iter().any(|k| k.starts_with("pair:")), "{keys:?}");
}
