//! Validation messages in Chinese, for people. The API's `message` stays in English for the
//! systems that call it (banks, operators); `message_zh` names the field by its label on the
//! forms and says what is wrong in Chinese.

/// The label of a field as forms and import templates name it.
pub fn field_label(field: &str) -> Option<&'static str> {
    Some(match field {
        "account" | "bank_card" => "账号",
        "address" => "住址",
        "age_band" | "victim_age_band" => "年龄段",
        "amount_fen" | "amount_yuan" => "金额",
        "approved_on" => "审批日期",
        "arrested" => "抓获人数",
        "as_of" => "截止日期",
        "at" | "time" => "时间",
        "bank_unit_id" => "银行",
        "base" => "基数",
        "categories" => "人员类别",
        "channel" => "联系方式",
        "checklist" => "劝阻内容",
        "code" => "编码",
        "contact" | "contact_name" => "联系人",
        "contact_channel" => "接触渠道",
        "case_no" => "案件编号",
        "cutoff" => "数据截止时间",
        "description" => "情况描述",
        "dual_inquiry_rate" => "一案双查比例",
        "due_on" => "完成期限",
        "ends_on" => "结束日期",
        "event_id" => "流水号",
        "expires_at" => "有效期",
        "file" => "文件",
        "findings" => "核查情况",
        "format" => "格式",
        "fraud_type" => "诈骗类型",
        "from" => "开始时间",
        "grounds" => "依据",
        "grade" => "预警等级",
        "head_count" => "参加人数",
        "held_on" => "活动日期",
        "hops" => "追踪层数",
        "horizon_days" => "天数",
        "household_code" => "户号",
        "id_number" => "身份证号",
        "jurisdiction" | "jurisdiction_id" => "辖区",
        "key" => "键",
        "kind" => "类别",
        "loss_yuan" | "loss_fen" => "损失金额",
        "month" => "月份",
        "name" => "姓名",
        "narrative" => "报告正文",
        "note" => "备注",
        "observables" => "涉案信息",
        "outcome" => "处置结果",
        "parent" | "parent_code" | "parent_id" => "上级",
        "password" => "密码",
        "payee_account" => "收款账号",
        "payer_account" => "付款账号",
        "payer_phone" | "phone" => "手机号",
        "period" => "期间",
        "permission" | "permissions" => "权限",
        "prevention" => "宣传防范",
        "reason" => "事由",
        "recovered_yuan" | "recovered_fen" => "挽回金额",
        "ref_no" => "编号",
        "renews_id" => "续冻请求",
        "reported_at" => "接警时间",
        "residents" => "人口数",
        "return_method" => "返还方式",
        "reward_yuan" => "奖励金额",
        "risk_score" => "风险评分",
        "role" => "角色",
        "signatory" => "签订人",
        "signed_on" => "签订日期",
        "since" => "起始时间",
        "source" => "来源",
        "sources" => "数据来源",
        "station" => "派出所",
        "status" => "状态",
        "step" => "处置环节",
        "subject" => "预警对象",
        "subject_kind" => "预警对象类型",
        "targets" => "目标值",
        "title" => "标题",
        "to" => "结束时间",
        "test_from" => "检验期起",
        "threshold" => "预警分数线",
        "training" => "模型训练",
        "ruleset_version" => "候选规则",
        "model_version" => "候选模型",
        "unit_id" => "单位",
        "upstream_id" => "上游编号",
        "username" => "用户名",
        "valid_to" => "有效期至",
        "value" => "名单值",
        "victim_occupation" => "受害人职业",
        "visit_every_days" => "走访周期",
        "year" => "年度",
        _ => return None,
    })
}

/// What is wrong, in Chinese, from the English detail of a validation message. Known phrasings
/// are translated with their numbers; anything else says the value is not valid, without the
/// English.
pub fn detail_zh(detail: &str) -> String {
    let d = detail.trim();
    let lower = d.to_ascii_lowercase();
    let numbers: Vec<&str> = d
        .split(|c: char| !(c.is_ascii_digit() || c == ','))
        .map(|s| s.trim_matches(','))
        .filter(|s| !s.is_empty())
        .collect();
    let has = |p: &str| lower.contains(p);
    if has("must not be empty") || lower == "required" || has("is required") || lower == "empty" {
        return "不能为空".into();
    }
    if has("characters") || has("longer than") {
        return match numbers.as_slice() {
            [a, b, ..] if has(" to ") => format!("长度应为 {a} 至 {b} 个字"),
            [.., m] => format!("不能为空，且最多 {m} 个字"),
            [] => "长度不符合要求".into(),
        };
    }
    if has("rfc 3339") || has("yyyy-mm") || has("not a date") || (has("date") && has("expected")) {
        return "日期或时间格式不正确".into();
    }
    if has("not a number") || has("expected a number") || has("not an amount") {
        return "应为数字".into();
    }
    if has("cannot be negative") || has("must not be negative") {
        return "不能为负数".into();
    }
    if has("at least") {
        return match numbers.first() {
            Some(n) => format!("至少为 {n}"),
            None => "数量不足".into(),
        };
    }
    if has("at most") || has("too many") || has("too large") || has("out of range") || has("outside") {
        return "超出允许范围".into();
    }
    if has("unknown") || has("one of") || has(" or ") {
        return "不是可选的值".into();
    }
    if has("under way") {
        return "正在进行中，请稍候".into();
    }
    if has("already") || has("exists") {
        return "已存在".into();
    }
    if has("check digit") || has("gb 11643") || has("digits") {
        return "号码格式不正确".into();
    }
    "填写有误".into()
}

/// A validation message (`field: detail`, or a bare detail) for people: the field's label and
/// the detail in Chinese; the field as the API names it, when there is one.
pub fn invalid_zh(message: &str) -> (Option<String>, String) {
    let (field, detail) = match message.split_once(": ") {
        Some((f, d))
            if !f.is_empty() && f.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') =>
        {
            (Some(f), d)
        }
        _ => (None, message),
    };
    let zh = detail_zh(detail);
    match field {
        Some(f) => {
            let label = field_label(f).unwrap_or("输入内容");
            (Some(f.to_string()), format!("「{label}」{zh}"))
        }
        None => (None, zh),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_field_in_chinese() {
        assert_eq!(
            invalid_zh("title: 1 to 200 characters"),
            (Some("title".into()), "「标题」长度应为 1 至 200 个字".into())
        );
        assert_eq!(invalid_zh("value: must not be empty").1, "「名单值」不能为空");
        assert_eq!(invalid_zh("valid_to: expected RFC 3339").1, "「有效期至」日期或时间格式不正确");
        assert_eq!(
            invalid_zh("value: empty or longer than 2,000 characters").1,
            "「名单值」不能为空，且最多 2,000 个字"
        );
        assert_eq!(invalid_zh("channel: phone, sms, robot_call or family").1, "「联系方式」不是可选的值");
        // A field nobody labelled still reads in Chinese; a message without a field too.
        assert_eq!(invalid_zh("zzz_field: something odd").1, "「输入内容」填写有误");
        assert_eq!(invalid_zh("the report is draft, not approved").1, "填写有误");
    }

    proptest::proptest! {
        /// Whatever the English, the Chinese text has no Latin letters but the numbers'.
        #[test]
        fn no_english_reaches_people(field in "[a-z_]{1,12}", detail in "[ -~]{0,60}") {
            let (_, zh) = invalid_zh(&format!("{field}: {detail}"));
            proptest::prop_assert!(!zh.chars().any(|c| c.is_ascii_alphabetic()), "{}", zh);
        }
    }
}
