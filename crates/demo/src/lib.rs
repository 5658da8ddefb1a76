//! The demo county: a seeded, deterministic synthetic county — 12 towns, about 200 villages
//! and communities with their grids, 15 police stations, the member units the work plans
//! name, and 500,000 residents with the age structure of an ageing rural county.
//!
//! Pure generation: this crate produces values; the CLI writes them through the store.

use domain::{AgeBand, IdNumber, JurisdictionKind, MemberUnitKind, Phone};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The default seed; the same seed always yields the same county.
pub const DEFAULT_SEED: u64 = 20_261_127;

/// Administrative region code of the fictional county (first six digits of ID numbers).
pub const COUNTY_CODE: &str = "360929";

/// A node of the area tree to create, parents before children.
#[derive(Debug, Clone)]
pub struct NodePlan {
    /// Unique code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Level.
    pub kind: JurisdictionKind,
    /// Parent's code.
    pub parent_code: Option<String>,
}

/// A police station to create.
#[derive(Debug, Clone)]
pub struct StationPlan {
    /// Unique code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Seat (a town code).
    pub seat_code: String,
    /// Codes of the jurisdictions of its precinct.
    pub precinct: Vec<String>,
    /// Chief.
    pub chief: String,
    /// Deputy chief.
    pub deputy: String,
}

/// A member unit to create.
#[derive(Debug, Clone)]
pub struct UnitPlan {
    /// Unique code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: MemberUnitKind,
    /// Seat's jurisdiction code.
    pub seat_code: String,
    /// Codes of jurisdictions covered besides the seat.
    pub covers: Vec<String>,
    /// Contact person.
    pub contact: String,
}

/// A demo login.
#[derive(Debug, Clone)]
pub struct UserPlan {
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Password (printed for the demo).
    pub password: String,
    /// Role.
    pub role: domain::Role,
    /// Organisation code (a unit or station code).
    pub unit_code: String,
    /// Scope root jurisdiction code.
    pub jurisdiction_code: String,
}

/// A resident to create.
#[derive(Debug, Clone)]
pub struct ResidentSeed {
    /// Name.
    pub name: String,
    /// Identity number.
    pub id_number: IdNumber,
    /// Mobile, for most adults.
    pub phone: Option<Phone>,
    /// Address.
    pub address: String,
    /// 男 / 女.
    pub gender: &'static str,
    /// Age band today.
    pub age_band: AgeBand,
    /// Household code.
    pub household_code: String,
    /// The grid (leaf jurisdiction) code.
    pub grid_code: String,
}

/// A village or community with its target population and grids.
#[derive(Debug, Clone)]
pub struct VillagePlan {
    /// Code.
    pub code: String,
    /// Town name + village name, for addresses.
    pub full_name: String,
    /// Residents living there.
    pub population: u32,
    /// Its grids' codes.
    pub grids: Vec<String>,
}

/// The whole plan of the county, without residents.
#[derive(Debug, Clone)]
pub struct CountyPlan {
    /// County name.
    pub name: String,
    /// Tree nodes, parents first.
    pub nodes: Vec<NodePlan>,
    /// Villages with their population.
    pub villages: Vec<VillagePlan>,
    /// Police stations.
    pub stations: Vec<StationPlan>,
    /// Member units.
    pub units: Vec<UnitPlan>,
    /// Demo users, one per role (two station officers, to show scoping).
    pub users: Vec<UserPlan>,
    /// Monthly population figures `(code, YYYY-MM-DD, residents)` for every node, 24 months.
    pub population: Vec<(String, String, i64)>,
}

const TOWNS: [(&str, bool); 12] = [
    ("城关镇", true),
    ("东城街道", true),
    ("西城街道", true),
    ("河口镇", false),
    ("青山镇", false),
    ("石桥镇", false),
    ("白沙镇", false),
    ("龙泉镇", false),
    ("马鞍乡", false),
    ("花园乡", false),
    ("新塘镇", false),
    ("三江镇", false),
];
const V_PREFIX: [&str; 16] =
    ["东", "西", "南", "北", "上", "下", "大", "小", "新", "老", "前", "后", "高", "中", "黄", "柏"];
const V_BODY: [&str; 14] = ["湾", "桥", "岭", "塘", "坪", "庄", "山", "田", "溪", "河", "坑", "洲", "林", "岗"];
const SURNAMES: [&str; 40] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林",
    "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于",
    "蒋", "蔡",
];
const GIVEN: [&str; 48] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀", "霞",
    "平", "刚", "桂", "英", "华", "建", "国", "文", "辉", "玉", "兰", "志", "红", "春", "梅", "海", "波", "宇", "欣",
    "子", "涵", "浩", "然", "俊", "凯", "佳", "琪", "思", "雨",
];
const CN_NUM: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

/// Age structure (share of residents per band), like a county with many elderly and
/// working-age people away: under 18, 18–30, 31–45, 46–60, over 60.
const AGE_SHARE: [(AgeBand, f64, i32, i32); 5] = [
    (AgeBand::Under18, 0.17, 0, 17),
    (AgeBand::From18To30, 0.14, 18, 30),
    (AgeBand::From31To45, 0.20, 31, 45),
    (AgeBand::From46To60, 0.25, 46, 60),
    (AgeBand::Over60, 0.24, 61, 90),
];

/// The demo's reference day (ages and the latest population figure are as of this day).
pub fn reference_date() -> jiff::civil::Date {
    jiff::civil::date(2026, 11, 1)
}

fn person_name(rng: &mut ChaCha8Rng) -> String {
    // Common surnames are much more frequent: draw from the head of the list more often.
    let s = SURNAMES[(rng.random::<f64>().powf(1.8) * SURNAMES.len() as f64) as usize % SURNAMES.len()];
    let a = GIVEN.choose(rng).copied().unwrap_or("明");
    if rng.random_bool(0.7) {
        format!("{s}{a}{}", GIVEN.choose(rng).copied().unwrap_or("华"))
    } else {
        format!("{s}{a}")
    }
}

/// Builds the county plan for a seed and a total resident count.
pub fn plan(seed: u64, total_residents: u32) -> CountyPlan {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let county_code = COUNTY_CODE.to_string();
    let mut nodes = vec![NodePlan {
        code: county_code.clone(),
        name: "清溪县".into(),
        kind: JurisdictionKind::County,
        parent_code: None,
    }];
    let mut villages = Vec::new();
    let mut town_villages: Vec<Vec<usize>> = Vec::new();
    // About 200 villages: urban towns have more communities, rural towns 13–19 villages.
    for (ti, (town, urban)) in TOWNS.iter().enumerate() {
        let tcode = format!("{county_code}{:03}", ti + 1);
        nodes.push(NodePlan {
            code: tcode.clone(),
            name: (*town).into(),
            kind: JurisdictionKind::Town,
            parent_code: Some(county_code.clone()),
        });
        let n = if *urban { rng.random_range(18..=22) } else { rng.random_range(13..=18) };
        let mut used = std::collections::HashSet::new();
        let mut idx = Vec::new();
        for vi in 0..n {
            let name = loop {
                let base = format!(
                    "{}{}",
                    V_PREFIX.choose(&mut rng).copied().unwrap_or("东"),
                    V_BODY.choose(&mut rng).copied().unwrap_or("湾")
                );
                if used.insert(base.clone()) {
                    break if *urban { format!("{base}社区") } else { format!("{base}村") };
                }
            };
            let vcode = format!("{tcode}{:03}", vi + 1);
            nodes.push(NodePlan {
                code: vcode.clone(),
                name: name.clone(),
                kind: JurisdictionKind::Village,
                parent_code: Some(tcode.clone()),
            });
            let grids_n = rng.random_range(3..=6);
            let mut grids = Vec::new();
            for g in 0..grids_n {
                let gcode = format!("{vcode}{:02}", g + 1);
                nodes.push(NodePlan {
                    code: gcode.clone(),
                    name: format!("第{}网格", CN_NUM[g % 10]),
                    kind: JurisdictionKind::Grid,
                    parent_code: Some(vcode.clone()),
                });
                grids.push(gcode);
            }
            // Weight: urban communities are larger; rural villages vary a lot.
            let w: f64 = if *urban { rng.random_range(2.0..4.0) } else { rng.random_range(0.6..2.0) };
            idx.push(villages.len());
            villages.push((VillagePlan { code: vcode, full_name: format!("{town}{name}"), population: 0, grids }, w));
        }
        town_villages.push(idx);
    }
    let wsum: f64 = villages.iter().map(|(_, w)| w).sum();
    let mut assigned = 0u32;
    let nv = villages.len();
    for (i, (v, w)) in villages.iter_mut().enumerate() {
        v.population = if i + 1 == nv {
            total_residents - assigned
        } else {
            ((*w / wsum) * f64::from(total_residents)).round() as u32
        };
        assigned += v.population;
    }
    let villages: Vec<VillagePlan> = villages.into_iter().map(|(v, _)| v).collect();

    // Stations: one per rural town; the three urban towns have two each (15 in all).
    let mut stations = Vec::new();
    for (ti, (town, urban)) in TOWNS.iter().enumerate() {
        let tcode = format!("{county_code}{:03}", ti + 1);
        let base = town.trim_end_matches("街道").trim_end_matches('镇').trim_end_matches('乡');
        if *urban {
            let vs = &town_villages[ti];
            let half = vs.len() / 2;
            for (k, part) in [&vs[..half], &vs[half..]].into_iter().enumerate() {
                stations.push(StationPlan {
                    code: format!("PS{:02}", stations.len() + 1),
                    name: format!("{base}{}派出所", if k == 0 { "第一" } else { "第二" }),
                    seat_code: tcode.clone(),
                    precinct: part.iter().map(|i| villages[*i].code.clone()).collect(),
                    chief: person_name(&mut rng),
                    deputy: person_name(&mut rng),
                });
            }
        } else {
            stations.push(StationPlan {
                code: format!("PS{:02}", stations.len() + 1),
                name: format!("{base}派出所"),
                seat_code: tcode.clone(),
                precinct: vec![tcode.clone()],
                chief: person_name(&mut rng),
                deputy: person_name(&mut rng),
            });
        }
    }

    let mut units = Vec::new();
    let mut unit = |code: &str, name: String, kind, seat: &str, covers: Vec<String>, rng: &mut ChaCha8Rng| {
        units.push(UnitPlan {
            code: code.into(),
            name,
            kind,
            seat_code: seat.into(),
            covers,
            contact: person_name(rng),
        });
    };
    use MemberUnitKind as K;
    for (code, name, kind) in [
        ("OFFICE", "清溪县打击治理电信网络新型违法犯罪工作领导小组办公室", K::Office),
        ("PSB", "清溪县公安局(反诈中心)", K::PoliceBureau),
        ("PROP", "中共清溪县委宣传部", K::PropagandaDept),
        ("CAC", "清溪县委网信办", K::CyberspaceOffice),
        ("UNION", "清溪县总工会", K::TradeUnion),
        ("EDU", "清溪县教育体育局", K::EducationBureau),
        ("CIVIL", "清溪县民政局", K::CivilAffairs),
        ("FIN", "清溪县财政局", K::Finance),
        ("HRSS", "清溪县人力资源和社会保障局", K::HumanResources),
        ("TRANS", "清溪县交通运输局", K::Transport),
        ("CULT", "清溪县文化广电旅游局", K::CultureTourism),
        ("APPROVAL", "清溪县行政审批局", K::AdminApproval),
        ("MEDIA", "清溪县融媒体中心", K::MediaGroup),
    ] {
        unit(code, name.into(), kind, &county_code, vec![], &mut rng);
    }
    for (code, bank) in [
        ("BANK-ABC", "中国农业银行"),
        ("BANK-ICBC", "中国工商银行"),
        ("BANK-CCB", "中国建设银行"),
        ("BANK-BOC", "中国银行"),
        ("BANK-PSBC", "中国邮政储蓄银行"),
        ("BANK-RCB", "清溪农村商业银行"),
    ] {
        unit(code, format!("{bank}清溪县支行"), K::BankBranch, &county_code, vec![], &mut rng);
    }
    for (code, op) in [("TEL-CMCC", "中国移动"), ("TEL-CU", "中国联通"), ("TEL-CT", "中国电信")] {
        unit(code, format!("{op}清溪分公司"), K::TelecomOperator, &county_code, vec![], &mut rng);
    }
    unit("SCH-HS1", "清溪县第一中学".into(), K::School, &format!("{county_code}001"), vec![], &mut rng);
    unit("SCH-VOC", "清溪县职业中专".into(), K::School, &format!("{county_code}002"), vec![], &mut rng);
    for (ti, (town, _)) in TOWNS.iter().enumerate() {
        let tcode = format!("{county_code}{:03}", ti + 1);
        let base = town.trim_end_matches("街道").trim_end_matches('镇').trim_end_matches('乡');
        unit(&format!("SCH-M{:02}", ti + 1), format!("{base}中学"), K::School, &tcode, vec![], &mut rng);
        unit(&format!("SCH-P{:02}", ti + 1), format!("{base}中心小学"), K::School, &tcode, vec![], &mut rng);
        unit(
            &format!("OUT-RCB{:02}", ti + 1),
            format!("清溪农商银行{base}支行"),
            K::BankBranch,
            &tcode,
            vec![],
            &mut rng,
        );
        unit(
            &format!("OUT-CMCC{:02}", ti + 1),
            format!("中国移动{base}营业厅"),
            K::TelecomOperator,
            &tcode,
            vec![],
            &mut rng,
        );
    }
    for (i, v) in villages.iter().enumerate() {
        let short =
            v.full_name.split(['镇', '乡']).next_back().unwrap_or(&v.full_name).trim_start_matches("街道").to_string();
        let name = if short.ends_with("社区") { format!("{short}居委会") } else { format!("{short}村委会") };
        unit(&format!("VC{:03}", i + 1), name, K::VillageCommittee, &v.code, v.grids.clone(), &mut rng);
    }
    for (code, name, town) in [
        ("CO-01", "清溪县顺达物流有限公司", 1),
        ("CO-02", "清溪县绿源食品有限公司", 4),
        ("CO-03", "清溪县宏发建材有限公司", 6),
    ] {
        unit(code, name.into(), K::Company, &format!("{county_code}{town:03}"), vec![], &mut rng);
    }

    let first_village_index = town_villages[3][0];
    let first_village = &villages[first_village_index];
    // The grid worker works for the committee of the village whose grids they walk.
    let grid_unit = format!("VC{:03}", first_village_index + 1);
    let pw = "Demo@2026";
    let u = |username: &str, display: &str, role, unit_code: &str, jur: &str| UserPlan {
        username: username.into(),
        display_name: display.into(),
        password: pw.into(),
        role,
        unit_code: unit_code.into(),
        jurisdiction_code: jur.into(),
    };
    use domain::Role as R;
    let users = vec![
        u("admin", "系统管理员", R::SystemAdmin, "PSB", &county_code),
        u("office", "县反诈办 周主任", R::Office, "OFFICE", &county_code),
        u("analyst", "反诈中心 研判员", R::CentreAnalyst, "PSB", &county_code),
        u(
            "officer",
            &format!("{} 民警", stations[0].name),
            R::StationOfficer,
            &stations[0].code,
            &stations[0].seat_code,
        ),
        u(
            "officer2",
            &format!("{} 民警", stations[6].name),
            R::StationOfficer,
            &stations[6].code,
            &stations[6].seat_code,
        ),
        u("grid", &format!("{} 网格员", first_village.full_name), R::GridWorker, &grid_unit, &first_village.code),
        u("reporter", "县教体局 填报员", R::UnitReporter, "EDU", &county_code),
        u("bank", "农商银行 联络员", R::BankLiaison, "BANK-RCB", &county_code),
    ];

    // Monthly figures for two years: slow decline in rural villages, growth in the town.
    let mut population = Vec::new();
    let end = reference_date();
    let mut town_totals: std::collections::HashMap<(String, String), i64> = std::collections::HashMap::new();
    for v in &villages {
        let town = v.code[..9].to_string();
        let urban = TOWNS.get(v.code[6..9].parse::<usize>().unwrap_or(1) - 1).map(|t| t.1).unwrap_or(false);
        let monthly = if urban { 0.0015 } else { -0.0008 };
        for m in 0..24 {
            let date = end.checked_sub(jiff::Span::new().months(23 - m)).unwrap_or(end);
            let factor = 1.0 + monthly * f64::from(m - 23);
            let n = (f64::from(v.population) * factor).round() as i64;
            population.push((v.code.clone(), date.to_string(), n));
            *town_totals.entry((town.clone(), date.to_string())).or_default() += n;
        }
    }
    let mut county_totals: std::collections::BTreeMap<String, i64> = std::collections::BTreeMap::new();
    for ((town, date), n) in &town_totals {
        population.push((town.clone(), date.clone(), *n));
        *county_totals.entry(date.clone()).or_default() += n;
    }
    for (date, n) in county_totals {
        population.push((county_code.clone(), date, n));
    }
    population.sort();

    CountyPlan { name: "清溪县".into(), nodes, villages, stations, units, users, population }
}

/// Generates the residents of one village, deterministically from the seed and the village's
/// position, so villages can be generated in any order or in parallel.
pub fn residents_of(seed: u64, village_index: usize, v: &VillagePlan) -> Vec<ResidentSeed> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ ((village_index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)));
    let today = reference_date();
    let mut out = Vec::with_capacity(v.population as usize);
    let mut household = 0u32;
    let mut left_in_household = 0u32;
    let mut house_no = 0u32;
    let mut group = 1u32;
    let mut surname = String::new();
    let town_no: u32 = v.code.get(6..9).and_then(|t| t.parse().ok()).unwrap_or(1);
    let village_in_town: u32 = v.code.get(9..12).and_then(|t| t.parse::<u32>().ok()).map(|n| (n - 1) % 25).unwrap_or(0);
    let mut taken: std::collections::HashMap<jiff::civil::Date, u64> = std::collections::HashMap::new();
    for _ in 0..v.population {
        if left_in_household == 0 {
            household += 1;
            house_no += 1;
            if house_no > 40 {
                house_no = 1;
                group += 1;
            }
            left_in_household = *[1u32, 2, 2, 3, 3, 3, 4, 4, 5].choose(&mut rng).unwrap_or(&3);
            surname = person_name(&mut rng).chars().next().map(String::from).unwrap_or_default();
        }
        left_in_household -= 1;
        let r: f64 = rng.random();
        let mut acc = 0.0;
        let (_band, lo, hi) = AGE_SHARE
            .iter()
            .find(|(_, share, _, _)| {
                acc += share;
                r < acc
            })
            .map(|(b, _, lo, hi)| (*b, *lo, *hi))
            .unwrap_or((AgeBand::Over60, 61, 90));
        let age = rng.random_range(lo..=hi);
        let birth_year = i32::from(today.year()) - age - 1;
        let month = rng.random_range(1..=12i8);
        let day = rng.random_range(1..=28i8);
        let birth = jiff::civil::date(birth_year as i16, month, day);
        let male = rng.random_bool(0.51);
        // Identity numbers are unique by construction: the region code names the town, the
        // sequence block (40 numbers) the village, and within the block each birth date takes
        // the next free number of the right parity (odd for men, GB 11643).
        let used = taken.entry(birth).or_insert(0u64);
        let Some(k) = (0..40u32).find(|k| (k % 2 == 1) == male && *used & (1 << k) == 0) else { continue };
        *used |= 1 << k;
        let seq = village_in_town * 40 + k;
        let first17 =
            format!("3609{:02}{:04}{:02}{:02}{:03}", 20 + town_no, birth.year(), birth.month(), birth.day(), seq);
        let Ok(id_number) = IdNumber::with_check(&first17) else { continue };
        let phone = if age >= 14 && rng.random_bool(if age > 75 { 0.55 } else { 0.93 }) {
            let prefix = [
                "138", "139", "158", "159", "187", "188", "135", "136", "150", "152", "130", "131", "155", "186",
                "133", "153", "180", "189", "199",
            ]
            .choose(&mut rng)
            .copied()
            .unwrap_or("138");
            Phone::parse(&format!("{prefix}{:08}", rng.random_range(0..100_000_000u32))).ok()
        } else {
            None
        };
        let grid_code = v.grids[(household as usize) % v.grids.len()].clone();
        let name = format!("{surname}{}", person_name(&mut rng).chars().skip(1).collect::<String>());
        out.push(ResidentSeed {
            name,
            id_number,
            phone,
            address: format!("{}{}组{}号", v.full_name, group, house_no),
            gender: if male { "男" } else { "女" },
            age_band: AgeBand::at(birth, today),
            household_code: format!("{}-{:04}", v.code, household),
            grid_code,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_has_the_promised_shape() {
        let p = plan(DEFAULT_SEED, 500_000);
        let count = |k| p.nodes.iter().filter(|n| n.kind == k).count();
        assert_eq!(count(JurisdictionKind::Town), 12);
        assert!((190..=230).contains(&count(JurisdictionKind::Village)), "{}", count(JurisdictionKind::Village));
        assert_eq!(p.stations.len(), 15);
        assert_eq!(p.villages.iter().map(|v| v.population).sum::<u32>(), 500_000);
        // Every village lies in exactly one precinct (directly or through its town).
        for v in &p.villages {
            let town = &v.code[..9];
            let n = p.stations.iter().filter(|s| s.precinct.iter().any(|c| c == &v.code || c == town)).count();
            assert_eq!(n, 1, "village {} in {n} precincts", v.code);
        }
        // All kinds the plans name that the demo needs are present.
        for k in [
            MemberUnitKind::Office,
            MemberUnitKind::BankBranch,
            MemberUnitKind::TelecomOperator,
            MemberUnitKind::School,
            MemberUnitKind::VillageCommittee,
        ] {
            assert!(p.units.iter().any(|u| u.kind == k), "{k:?}");
        }
        assert_eq!(p.users.iter().map(|u| u.role).collect::<std::collections::HashSet<_>>().len(), 7);
    }

    #[test]
    fn generation_is_deterministic_and_valid() {
        let p = plan(7, 20_000);
        let a = residents_of(7, 3, &p.villages[3]);
        let b = residents_of(7, 3, &p.villages[3]);
        assert!(
            a.len() as f64 > p.villages[3].population as f64 * 0.999,
            "{} of {}",
            a.len(),
            p.villages[3].population
        );
        assert_eq!(
            a.iter().map(|r| r.id_number.as_str()).collect::<Vec<_>>(),
            b.iter().map(|r| r.id_number.as_str()).collect::<Vec<_>>()
        );
        let ids: std::collections::HashSet<_> = p
            .villages
            .iter()
            .enumerate()
            .flat_map(|(i, v)| residents_of(7, i, v))
            .map(|r| r.id_number.as_str().to_string())
            .collect();
        let total: usize = p.villages.iter().enumerate().map(|(i, v)| residents_of(7, i, v).len()).sum();
        assert_eq!(ids.len(), total, "identity numbers must be unique across the county");
        for r in &a {
            let odd = r.id_number.as_str().as_bytes()[16] % 2 == 1;
            assert_eq!(odd, r.gender == "男", "sex digit must match gender");
        }
        let elderly = a.iter().filter(|r| r.age_band == AgeBand::Over60).count() as f64 / a.len() as f64;
        assert!((0.15..0.35).contains(&elderly), "share over 60: {elderly}");
    }
}

/// A demo fraud case.
#[derive(Debug, Clone)]
pub struct CaseSeed {
    /// Case number.
    pub case_no: String,
    /// Reported, UTC ms.
    pub reported_at_ms: i64,
    /// Station code.
    pub station_code: String,
    /// The victim's village or community.
    pub jurisdiction_code: String,
    /// Fraud type id.
    pub fraud_type: &'static str,
    /// Loss in fen.
    pub loss_fen: i64,
    /// Recovered in fen.
    pub recovered_fen: i64,
    /// Victim's age band.
    pub age_band: AgeBand,
    /// Contact channel.
    pub contact_channel: &'static str,
    /// `reported`, `filed`, `solved` or `closed`.
    pub status: &'static str,
}

/// Fraud types with their share of cases (刷单返利 and investment scams lead, as in the
/// ministry's statistics).
const TYPE_MIX: [(&str, f64); 12] = [
    ("brushing_rebate", 0.24),
    ("fake_investment", 0.14),
    ("fake_loan", 0.11),
    ("fake_customer_service", 0.10),
    ("fake_police", 0.07),
    ("fake_credit", 0.07),
    ("fake_shopping", 0.07),
    ("fake_acquaintance", 0.06),
    ("game_trading", 0.05),
    ("romance", 0.04),
    ("fake_teacher", 0.03),
    ("student_fee", 0.02),
];

/// Two years of cases: about 100 a month for 500,000 residents, more around the Spring Festival and in
/// summer, losses heavy-tailed (median near 9,000 yuan, a few above 500,000), and two
/// stations persistently worse than the rest so that the interview ladder shows.
pub fn cases(plan: &CountyPlan, seed: u64) -> Vec<CaseSeed> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xca5e_5eed);
    let tz = domain::time::china();
    let end = reference_date();
    let mut out = Vec::new();
    let mut n = 0u32;
    for m in 0..24 {
        let first = end.checked_sub(jiff::Span::new().months(23 - m)).unwrap_or(end).first_of_month();
        let season = match first.month() {
            1 | 2 => 1.35,
            7 | 8 => 1.2,
            _ => 1.0,
        };
        for (si, st) in plan.stations.iter().enumerate() {
            let villages: Vec<&VillagePlan> =
                plan.villages.iter().filter(|v| st.precinct.iter().any(|p| v.code.starts_with(p.as_str()))).collect();
            if villages.is_empty() {
                continue;
            }
            let pop: u32 = villages.iter().map(|v| v.population).sum();
            // Two stations (the 3rd and the 8th) are persistently worse.
            let worse = if si == 2 || si == 7 { 2.6 } else { 1.0 };
            let mean = f64::from(pop) / 10_000.0 * 2.0 * season * worse;
            // A Poisson draw by counting exponential gaps.
            let mut k = 0;
            let mut t: f64 = -rng.random::<f64>().ln();
            while t < mean {
                k += 1;
                t -= rng.random::<f64>().ln();
            }
            for _ in 0..k {
                n += 1;
                let day = rng.random_range(0..i64::from(first.days_in_month()));
                let when = first.checked_add(jiff::Span::new().days(day)).unwrap_or(first).at(
                    rng.random_range(7..23),
                    rng.random_range(0..60),
                    0,
                    0,
                );
                let Ok(z) = when.to_zoned(tz.clone()) else { continue };
                let mut r: f64 = rng.random();
                let mut fraud_type = "brushing_rebate";
                for (ty, share) in TYPE_MIX {
                    if r < share {
                        fraud_type = ty;
                        break;
                    }
                    r -= share;
                }
                // Log-normal losses: median ~9,000 yuan, heavy upper tail.
                let normal: f64 = (-2.0 * rng.random::<f64>().max(1e-12).ln()).sqrt()
                    * (2.0 * std::f64::consts::PI * rng.random::<f64>()).cos();
                let loss_yuan = (9_000.0 * (1.35 * normal).exp()).clamp(50.0, 3_000_000.0);
                let loss_fen = (loss_yuan * 100.0).round() as i64;
                let age_band = match fraud_type {
                    "fake_police" | "fake_acquaintance" => AgeBand::Over60,
                    "game_trading" | "student_fee" => AgeBand::Under18,
                    "brushing_rebate" | "romance" => AgeBand::From18To30,
                    _ => [AgeBand::From31To45, AgeBand::From46To60, AgeBand::From18To30][rng.random_range(0..3)],
                };
                let age_months = 23 - m;
                let status = if age_months > 6 {
                    ["solved", "closed", "filed"][rng.random_range(0..3)]
                } else if age_months > 1 {
                    ["filed", "solved"][rng.random_range(0..2)]
                } else {
                    "reported"
                };
                let recovered_fen =
                    if status == "solved" || status == "closed" { loss_fen * rng.random_range(0..60) / 100 } else { 0 };
                out.push(CaseSeed {
                    case_no: format!("A3609{}{:05}", first.year(), n),
                    reported_at_ms: z.timestamp().as_millisecond(),
                    station_code: st.code.clone(),
                    jurisdiction_code: villages[rng.random_range(0..villages.len())].code.clone(),
                    fraud_type,
                    loss_fen,
                    recovered_fen,
                    age_band,
                    contact_channel: ["电话", "短信", "微信", "QQ", "APP", "网站"][rng.random_range(0..6)],
                    status,
                });
            }
        }
    }
    out
}
