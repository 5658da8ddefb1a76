//! The report as an A4 PDF, typeset by Typst with the Noto CJK fonts embedded (subset) and the
//! charts drawn as vector graphics.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use serde::Serialize;
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

use crate::model::{Block, Format};
use crate::{Document, NUMERALS, ReportError, charts};

const TEMPLATE: &str = include_str!("../templates/report.typ");

/// The font files the layout uses (Debian's `fonts-noto-cjk`).
const FONT_FILES: [&str; 4] =
    ["NotoSerifCJK-Regular.ttc", "NotoSerifCJK-Bold.ttc", "NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc"];

/// Where the fonts are looked for, after `FANZHA_FONT_DIR`.
const FONT_DIRS: [&str; 4] = [
    "/usr/share/fonts/opentype/noto",
    "/usr/share/fonts/truetype/noto",
    "/usr/share/fonts/noto-cjk",
    "/usr/local/share/fonts",
];

/// The CJK fonts, loaded once per process (tens of megabytes; parsing is lazy).
pub struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

impl Fonts {
    /// Loads the Noto CJK fonts from `dir`, or from `FANZHA_FONT_DIR` and the usual places.
    pub fn load(dir: Option<&Path>) -> Result<Self, ReportError> {
        let mut dirs: Vec<PathBuf> = dir.map(Path::to_path_buf).into_iter().collect();
        if let Ok(d) = std::env::var("FANZHA_FONT_DIR") {
            dirs.push(d.into());
        }
        dirs.extend(FONT_DIRS.iter().map(PathBuf::from));
        let mut fonts = Vec::new();
        for name in FONT_FILES {
            let Some(path) = dirs.iter().map(|d| d.join(name)).find(|p| p.is_file()) else { continue };
            let data = std::fs::read(&path).map_err(|e| ReportError::Font(format!("{}: {e}", path.display())))?;
            fonts.extend(Font::iter(Bytes::new(data)));
        }
        let book = FontBook::from_fonts(&fonts);
        let has = |family: &str| book.families().any(|(f, _)| f.eq_ignore_ascii_case(family));
        if !has("Noto Sans CJK SC") {
            return Err(ReportError::Font(format!(
                "no Noto Sans CJK SC font in {}; install Debian's fonts-noto-cjk or set FANZHA_FONT_DIR",
                dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ")
            )));
        }
        Ok(Self { book: LazyHash::new(book), fonts })
    }

    /// The fonts of this process, loaded on first use.
    pub fn shared() -> Result<Arc<Fonts>, ReportError> {
        static FONTS: OnceLock<Result<Arc<Fonts>, String>> = OnceLock::new();
        FONTS
            .get_or_init(|| Fonts::load(None).map(Arc::new).map_err(|e| e.to_string()))
            .clone()
            .map_err(ReportError::Font)
    }
}

/// One report being typeset: the template, its data and charts as files.
struct ReportWorld {
    library: LazyHash<Library>,
    fonts: Arc<Fonts>,
    main: Source,
    files: HashMap<FileId, Bytes>,
    today: Datetime,
}

fn file_id(path: &str) -> Result<FileId, ReportError> {
    let vp = VirtualPath::new(path).map_err(|e| ReportError::Pdf(format!("{path}: {e:?}")))?;
    Ok(RootedPath::new(VirtualRoot::Project, vp).intern())
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }
    fn book(&self) -> &LazyHash<FontBook> {
        &self.fonts.book
    }
    fn main(&self) -> FileId {
        self.main.id()
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotFound(PathBuf::from(format!("{id:?}"))))
        }
    }
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.files.get(&id).cloned().ok_or_else(|| FileError::NotFound(PathBuf::from(format!("{id:?}"))))
    }
    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.fonts.get(index).cloned()
    }
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

/// What the template reads: every cell already written as people read it.
#[derive(Serialize)]
struct PdfData<'a> {
    title: &'a str,
    kind_zh: &'static str,
    issuer: &'a str,
    issue_no: &'a str,
    scope_name: &'a str,
    period_zh: &'a str,
    cutoff: String,
    versions: String,
    watermark: Option<&'a str>,
    summary: &'a [String],
    sections: Vec<PdfSection<'a>>,
    narrative: Vec<&'a str>,
    narrative_number: &'static str,
    dated: &'a str,
}

#[derive(Serialize)]
struct PdfSection<'a> {
    number: &'static str,
    heading: &'a str,
    paragraphs: &'a [String],
    blocks: Vec<serde_json::Value>,
}

/// Typesets the report: `(pdf bytes, page count)`.
pub fn render(doc: &Document<'_>, fonts: Arc<Fonts>) -> Result<(Vec<u8>, usize), ReportError> {
    let r = doc.report;
    let mut files = HashMap::new();
    let mut sections = Vec::new();
    let mut n_chart = 0;
    for (i, sec) in r.sections.iter().enumerate() {
        let mut blocks = Vec::new();
        for b in &sec.blocks {
            match b {
                Block::Chart(c) => {
                    n_chart += 1;
                    let name = format!("chart-{n_chart}.svg");
                    files.insert(file_id(&name)?, Bytes::new(charts::svg(c).into_bytes()));
                    blocks.push(serde_json::json!({"type": "chart", "file": name}));
                }
                Block::Table(t) if t.sheet_only || t.rows.is_empty() => {}
                Block::Table(t) => {
                    let show = |row: &Vec<crate::model::Cell>| {
                        row.iter().zip(&t.columns).map(|(c, col)| c.display(col.format)).collect::<Vec<_>>()
                    };
                    blocks.push(serde_json::json!({
                        "type": "table",
                        "caption": t.caption,
                        "headers": t.columns.iter().map(|c| c.header.as_str()).collect::<Vec<_>>(),
                        "aligns": t.columns.iter().map(|c| if c.format == Format::Text { "l" } else { "r" }).collect::<Vec<_>>(),
                        "rows": t.rows.iter().map(show).collect::<Vec<_>>(),
                        "total": t.total.as_ref().map(show),
                        "note": t.note,
                    }));
                }
            }
        }
        sections.push(PdfSection {
            number: NUMERALS.get(i).copied().unwrap_or(""),
            heading: &sec.heading,
            paragraphs: &sec.paragraphs,
            blocks,
        });
    }
    let data = PdfData {
        title: &r.title,
        kind_zh: r.kind.zh(),
        issuer: &r.issuer,
        issue_no: &r.issue_no,
        scope_name: &r.scope_name,
        period_zh: &r.period_zh,
        cutoff: domain::time::format_china(r.cutoff_ms),
        versions: crate::versions_line(r),
        watermark: doc.watermark,
        summary: &r.summary,
        sections,
        narrative: crate::narrative_paragraphs(doc.narrative),
        narrative_number: NUMERALS.get(r.sections.len()).copied().unwrap_or(""),
        dated: &doc.dated,
    };
    let json = serde_json::to_vec(&data).map_err(|e| ReportError::Pdf(e.to_string()))?;
    files.insert(file_id("report.json")?, Bytes::new(json));
    let date = domain::time::china_date(r.cutoff_ms).unwrap_or_default();
    let world = ReportWorld {
        library: LazyHash::new(Library::default()),
        fonts,
        main: Source::new(file_id("main.typ")?, TEMPLATE.to_string()),
        files,
        today: Datetime::from_ymd(i32::from(date.year()), date.month() as u8, date.day() as u8)
            .ok_or_else(|| ReportError::Pdf("date".into()))?,
    };
    let compiled = typst::compile::<PagedDocument>(&world);
    let document = compiled
        .output
        .map_err(|errs| ReportError::Pdf(errs.iter().map(|e| e.message.to_string()).collect::<Vec<_>>().join("; ")))?;
    let pages = document.pages().len();
    // A stable identifier, so that the same snapshot gives the same file.
    let options = typst_pdf::PdfOptions {
        ident: typst::foundations::Smart::Custom(format!("fanzha:{}:{}", r.kind.as_str(), r.period)),
        ..Default::default()
    };
    let bytes = typst_pdf::pdf(&document, &options)
        .map_err(|errs| ReportError::Pdf(errs.iter().map(|e| e.message.to_string()).collect::<Vec<_>>().join("; ")))?;
    Ok((bytes, pages))
}
