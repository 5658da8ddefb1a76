//! The report as an A4 PDF in the red-header layout of official documents: a small typesetter of
//! our own (CJK line breaking, justified paragraphs, tables that repeat their header across
//! pages, charts drawn as vector paths) over `pdf-writer`, with the Noto CJK fonts embedded as
//! subsets.
//!
//! Typst did this until issue 28: it was half of a fresh build's compile time for one layout.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use pdf_writer::types::{CidFontType, FontFlags, PageMode, SystemInfo};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use ttf_parser::{Face, Tag};

use crate::charts::{self, Anchor, Drawing, Mark, Rgb};
use crate::model::{Block, Cell, Format, Table};
use crate::{Document, NUMERALS, ReportError};

/// The font files looked for, per style: Debian's `fonts-noto-cjk` collections first, then the
/// single-face files other systems ship.
const FONT_FILES: [(Style, &[&str]); 4] = [
    (Style::Sans, &["NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular.otf", "NotoSansSC-Regular.otf"]),
    (Style::SansBold, &["NotoSansCJK-Bold.ttc", "NotoSansCJKsc-Bold.otf", "NotoSansSC-Bold.otf"]),
    (Style::Serif, &["NotoSerifCJK-Regular.ttc", "NotoSerifCJKsc-Regular.otf", "NotoSerifSC-Regular.otf"]),
    (Style::SerifBold, &["NotoSerifCJK-Bold.ttc", "NotoSerifCJKsc-Bold.otf", "NotoSerifSC-Bold.otf"]),
];

/// Where the fonts are looked for, after `FANZHA_FONT_DIR`.
const FONT_DIRS: [&str; 5] = [
    "/usr/share/fonts/opentype/noto",
    "/usr/share/fonts/truetype/noto",
    "/usr/share/fonts/noto-cjk",
    "/usr/share/fonts/google-noto-cjk",
    "/usr/local/share/fonts",
];

/// The four faces the layout uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Sans = 0,
    SansBold = 1,
    Serif = 2,
    SerifBold = 3,
}

/// One face of a font file: the simplified-Chinese face of a collection.
struct FontFile {
    data: Vec<u8>,
    index: u32,
    ps_name: String,
}

/// The CJK fonts, loaded once per process (tens of megabytes, parsed lazily per report).
pub struct Fonts {
    files: Vec<FontFile>,
    /// Which file each [`Style`] uses: a missing serif falls back to sans, a missing bold to
    /// regular.
    style: [usize; 4],
}

impl Fonts {
    /// Loads the Noto CJK fonts from `dir`, or from `FANZHA_FONT_DIR` and the usual places.
    pub fn load(dir: Option<&Path>) -> Result<Self, ReportError> {
        let mut dirs: Vec<PathBuf> = dir.map(Path::to_path_buf).into_iter().collect();
        if let Ok(d) = std::env::var("FANZHA_FONT_DIR") {
            dirs.push(d.into());
        }
        dirs.extend(FONT_DIRS.iter().map(PathBuf::from));
        let mut files = Vec::new();
        let mut found: [Option<usize>; 4] = [None; 4];
        for (style, names) in FONT_FILES {
            let family = match style {
                Style::Sans | Style::SansBold => "Noto Sans CJK SC",
                Style::Serif | Style::SerifBold => "Noto Serif CJK SC",
            };
            let Some(path) = names.iter().flat_map(|n| dirs.iter().map(move |d| d.join(n))).find(|p| p.is_file())
            else {
                continue;
            };
            let data = std::fs::read(&path).map_err(|e| ReportError::Font(format!("{}: {e}", path.display())))?;
            let Some((index, ps_name)) = sc_face(&data, family) else { continue };
            found[style as usize] = Some(files.len());
            files.push(FontFile { data, index, ps_name });
        }
        let Some(sans) = found[Style::Sans as usize] else {
            return Err(ReportError::Font(format!(
                "no Noto Sans CJK SC font in {}; install Debian's fonts-noto-cjk or set FANZHA_FONT_DIR",
                dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ")
            )));
        };
        let sans_bold = found[Style::SansBold as usize].unwrap_or(sans);
        let serif = found[Style::Serif as usize].unwrap_or(sans);
        let serif_bold = found[Style::SerifBold as usize].or(found[Style::Serif as usize]).unwrap_or(sans_bold);
        Ok(Self { files, style: [sans, sans_bold, serif, serif_bold] })
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

/// The index and PostScript name of the face of `family` in a font file or collection.
fn sc_face(data: &[u8], family: &str) -> Option<(u32, String)> {
    let count = ttf_parser::fonts_in_collection(data).unwrap_or(1);
    (0..count).find_map(|i| {
        let face = Face::parse(data, i).ok()?;
        let name = |id: u16| {
            face.names().into_iter().filter(|n| n.name_id == id && n.is_unicode()).find_map(|n| n.to_string())
        };
        let fam = name(ttf_parser::name_id::FAMILY)?;
        fam.eq_ignore_ascii_case(family).then(|| (i, name(ttf_parser::name_id::POST_SCRIPT_NAME).unwrap_or(fam)))
    })
}

// The page: A4 in points, margins as the template of the red-header documents had them.
const PAGE_W: f64 = 595.276;
const PAGE_H: f64 = 841.89;
const MARGIN_TOP: f64 = 79.37;
const MARGIN_BOTTOM: f64 = 68.03;
const MARGIN_X: f64 = 68.03;
const BODY_W: f64 = PAGE_W - 2.0 * MARGIN_X;
const BODY_SIZE: f64 = 11.5;
const HEADING_SIZE: f64 = 13.5;
const TABLE_SIZE: f64 = 8.5;
const CELL_INSET_X: f64 = 4.0;
const CELL_INSET_Y: f64 = 3.2;
/// Where a line's baseline lies below its top, in ems (Noto CJK's ascent).
const ASCENT: f64 = 0.88;

const RED: Rgb = Rgb(0xc0, 0x00, 0x00);
const GREEN: Rgb = Rgb(0x1e, 0x7d, 0x32);
const BLACK: Rgb = Rgb(0, 0, 0);
const HEAD_FILL: Rgb = Rgb(0xf2, 0xe6, 0xe6);
const TOTAL_FILL: Rgb = Rgb(240, 240, 240);
const RULE: Rgb = Rgb(120, 120, 120);

/// A face being used in one report: its metrics and the glyphs that went into the pages.
struct Used<'a> {
    face: Face<'a>,
    file: &'a FontFile,
    upem: f64,
    /// Glyph ids of the subset, handed out as glyphs are first used.
    remapper: subsetter::GlyphRemapper,
    /// Glyph in the subset → its glyph in the font and the text it shows (for copying text out
    /// of the PDF).
    glyphs: BTreeMap<u16, (u16, String)>,
}

/// One line of a paragraph or cell, broken.
struct Line {
    text: String,
    width: f64,
    glyphs: usize,
}

/// A page being filled.
struct Page {
    content: Content,
}

impl Default for Page {
    fn default() -> Self {
        Self { content: Content::new() }
    }
}

/// The typesetter's state: the fonts in use, the pages so far and where the next line goes.
struct Typesetter<'a> {
    used: Vec<Used<'a>>,
    style: [usize; 4],
    pages: Vec<Page>,
    page: Page,
    /// Distance from the top of the page to the top of the next line.
    y: f64,
    watermark: Option<&'a str>,
    /// Headings for the PDF outline: (text, page index, y from the top).
    outline: Vec<(String, usize, f64)>,
}

/// Closing punctuation: never at the start of a line.
fn closes(c: char) -> bool {
    "，。、；：！？）》」』”’〕】%,.;:!?)]}…·".contains(c)
}

/// Opening punctuation and the arrows of a change: never at the end of a line.
fn opens(c: char) -> bool {
    "（《「『“‘〔【([{↑↓".contains(c)
}

/// The text cut where a line may break: each CJK character alone, Latin words and numbers
/// whole, punctuation kept with the character it belongs to, spaces alone.
fn units(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut glue = false;
    let mut word = false;
    for c in text.chars() {
        let latin = c.is_ascii_alphanumeric() || (c.is_ascii_punctuation() && !opens(c) && !closes(c));
        if c.is_whitespace() {
            // Tabs and line breaks inside a paragraph read as one space.
            out.push(" ".to_string());
            glue = false;
            word = false;
        } else if closes(c)
            && out.last().is_some_and(|u| u.trim().is_empty())
            && out.iter().any(|u| !u.trim().is_empty())
        {
            // Punctuation after spaces still belongs to the word before them.
            let mut spaces = String::new();
            while out.last().is_some_and(|u| u.trim().is_empty()) {
                spaces.insert_str(0, &out.pop().unwrap_or_default());
            }
            if let Some(last) = out.last_mut() {
                last.push_str(&spaces);
                last.push(c);
            }
            glue = false;
            word = latin;
        } else if (closes(c) || glue || (latin && word))
            && !out.is_empty()
            && !out.last().is_some_and(|u| u.trim().is_empty())
        {
            if let Some(last) = out.last_mut() {
                last.push(c);
            }
            glue = opens(c);
            word = latin || (word && closes(c));
        } else {
            out.push(c.to_string());
            glue = opens(c);
            word = latin;
        }
    }
    out
}

impl<'a> Typesetter<'a> {
    fn new(fonts: &'a Fonts, watermark: Option<&'a str>) -> Result<Self, ReportError> {
        let used = fonts
            .files
            .iter()
            .map(|file| {
                let face = Face::parse(&file.data, file.index)
                    .map_err(|e| ReportError::Font(format!("{}: {e}", file.ps_name)))?;
                let upem = f64::from(face.units_per_em());
                Ok(Used { face, file, upem, remapper: subsetter::GlyphRemapper::new(), glyphs: BTreeMap::new() })
            })
            .collect::<Result<Vec<_>, ReportError>>()?;
        let mut t = Self {
            used,
            style: fonts.style,
            pages: Vec::new(),
            page: Page::default(),
            y: MARGIN_TOP,
            watermark,
            outline: Vec::new(),
        };
        t.start_page();
        Ok(t)
    }

    /// The width of `text` in points.
    fn width(&self, style: Style, size: f64, text: &str) -> f64 {
        let u = &self.used[self.style[style as usize]];
        let units: f64 = text
            .chars()
            .map(|c| {
                let g = u.face.glyph_index(c).unwrap_or(ttf_parser::GlyphId(0));
                f64::from(u.face.glyph_hor_advance(g).unwrap_or_default())
            })
            .sum();
        units / u.upem * size
    }

    /// Breaks `text` into lines: the first `first` wide, the others `rest`. A space where a line
    /// breaks is dropped.
    fn break_lines(&self, style: Style, size: f64, text: &str, first: f64, rest: f64) -> Vec<Line> {
        let empty = || Line { text: String::new(), width: 0.0, glyphs: 0 };
        let mut lines = Vec::new();
        let mut cur = empty();
        let mut pending: Option<(String, f64)> = None;
        // A little slack: a column is exactly as wide as its widest cell, give or take rounding.
        let room = |lines: &Vec<Line>| if lines.is_empty() { first } else { rest } + 0.01;
        for unit in units(text) {
            let w = self.width(style, size, &unit);
            if unit.trim().is_empty() {
                if !cur.text.is_empty() {
                    pending = Some((unit, w));
                }
                continue;
            }
            let (space, space_w) = pending.take().unwrap_or_default();
            if cur.width + space_w + w > room(&lines) && !cur.text.is_empty() {
                lines.push(std::mem::replace(&mut cur, empty()));
            } else {
                cur.glyphs += space.chars().count();
                cur.text.push_str(&space);
                cur.width += space_w;
            }
            if w > room(&lines) {
                // A word wider than the line (a long number or code): broken between characters.
                for c in unit.chars() {
                    let cw = self.width(style, size, c.encode_utf8(&mut [0; 4]));
                    if cur.width + cw > room(&lines) && !cur.text.is_empty() {
                        while cur.text.ends_with(char::is_whitespace) {
                            let sp = cur.text.pop().unwrap_or(' ');
                            cur.width -= self.width(style, size, sp.encode_utf8(&mut [0; 4]));
                            cur.glyphs -= 1;
                        }
                        lines.push(std::mem::replace(&mut cur, empty()));
                    }
                    if c.is_whitespace() && cur.text.is_empty() {
                        continue;
                    }
                    cur.text.push(c);
                    cur.width += cw;
                    cur.glyphs += 1;
                }
                continue;
            }
            cur.glyphs += unit.chars().count();
            cur.text.push_str(&unit);
            cur.width += w;
        }
        if !cur.text.is_empty() || lines.is_empty() {
            lines.push(cur);
        }
        lines
    }

    fn bottom(&self) -> f64 {
        PAGE_H - MARGIN_BOTTOM
    }

    /// Starts a new page when `h` points do not fit on this one.
    fn ensure(&mut self, h: f64) {
        if self.y + h > self.bottom() && self.y > MARGIN_TOP + 0.5 {
            self.new_page();
        }
    }

    fn new_page(&mut self) {
        let done = std::mem::take(&mut self.page);
        self.pages.push(done);
        self.y = MARGIN_TOP;
        self.start_page();
    }

    /// The watermark goes first, under everything else on the page.
    fn start_page(&mut self) {
        let Some(mark) = self.watermark else { return };
        let size = 64.0;
        let w = self.width(Style::SansBold, size, mark);
        let (sin, cos) = 32f64.to_radians().sin_cos();
        let c = &mut self.page.content;
        c.save_state();
        c.set_parameters(Name(b"Wm"));
        c.transform([cos as f32, sin as f32, -sin as f32, cos as f32, (PAGE_W / 2.0) as f32, (PAGE_H / 2.0) as f32]);
        self.show(-w / 2.0, -size * 0.35, Style::SansBold, size, mark, Rgb(192, 0, 0), 0.0, true);
        self.page.content.restore_state();
    }

    /// Draws one line of text with its baseline at `(x, y)`: page coordinates from the top, or,
    /// with `raw`, in the current user space as it is.
    #[allow(clippy::too_many_arguments)]
    fn show(&mut self, x: f64, y: f64, style: Style, size: f64, text: &str, fill: Rgb, spacing: f64, raw: bool) {
        let font = self.style[style as usize];
        let u = &mut self.used[font];
        let mut codes = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let g = u.face.glyph_index(c).map_or(0, |g| g.0);
            let cid = u.remapper.remap(g);
            codes.extend_from_slice(&cid.to_be_bytes());
            u.glyphs.entry(cid).or_insert_with(|| (g, c.to_string()));
        }
        let name = format!("F{font}");
        let [r, g, b] = fill.unit();
        let base = if raw { y } else { PAGE_H - y };
        let c = &mut self.page.content;
        c.begin_text();
        c.set_font(Name(name.as_bytes()), size as f32);
        c.set_fill_rgb(r, g, b);
        if spacing != 0.0 {
            c.set_char_spacing(spacing as f32);
        }
        c.next_line(x as f32, base as f32);
        c.show(Str(&codes));
        c.end_text();
    }

    /// A paragraph: first line indented two characters, every line but the last justified.
    fn paragraph(&mut self, text: &str, style: Style, size: f64) {
        let pitch = size * 1.7;
        let indent = 2.0 * size;
        let lines = self.break_lines(style, size, text.trim(), BODY_W - indent, BODY_W);
        let n = lines.len();
        for (i, line) in lines.into_iter().enumerate() {
            self.ensure(pitch);
            let x = MARGIN_X + if i == 0 { indent } else { 0.0 };
            let room = BODY_W - if i == 0 { indent } else { 0.0 };
            let mut spacing = 0.0;
            if i + 1 < n && line.glyphs > 1 {
                spacing = (room - line.width) / (line.glyphs - 1) as f64;
                if !(0.0..=size * 0.5).contains(&spacing) {
                    spacing = 0.0;
                }
            }
            self.show(x, self.y + size * ASCENT, style, size, &line.text, BLACK, spacing, false);
            self.y += pitch;
        }
        self.y += size * 0.45;
    }

    /// Lines centred on the body, wrapped when too wide.
    fn centred(&mut self, text: &str, style: Style, size: f64, fill: Rgb, tracking: f64) {
        let pitch = size * 1.45;
        for line in self.break_lines(style, size, text, BODY_W, BODY_W) {
            self.ensure(pitch);
            let w = line.width + tracking * line.glyphs.saturating_sub(1) as f64;
            let x = MARGIN_X + (BODY_W - w) / 2.0;
            self.show(x, self.y + size * ASCENT, style, size, &line.text, fill, tracking, false);
            self.y += pitch;
        }
    }

    fn heading(&mut self, text: &str) {
        let size = HEADING_SIZE;
        if self.y > MARGIN_TOP + 0.5 {
            self.y += size * 0.9;
        }
        // Kept with the first lines of what follows.
        self.ensure(size * 1.5 + BODY_SIZE * 1.7 * 3.0);
        self.outline.push((text.to_string(), self.pages.len(), self.y));
        for line in self.break_lines(Style::SansBold, size, text, BODY_W, BODY_W) {
            self.show(MARGIN_X, self.y + size * ASCENT, Style::SansBold, size, &line.text, BLACK, 0.0, false);
            self.y += size * 1.5;
        }
        self.y += size * 0.4;
    }

    fn rule(&mut self, y: f64, width: f64, colour: Rgb) {
        let [r, g, b] = colour.unit();
        let c = &mut self.page.content;
        c.set_stroke_rgb(r, g, b);
        c.set_line_width(width as f32);
        c.move_to(MARGIN_X as f32, (PAGE_H - y) as f32);
        c.line_to((MARGIN_X + BODY_W) as f32, (PAGE_H - y) as f32);
        c.stroke();
    }

    fn fill_rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: Rgb) {
        let [r, g, b] = fill.unit();
        let c = &mut self.page.content;
        c.set_fill_rgb(r, g, b);
        c.rect(x as f32, (PAGE_H - y - h) as f32, w as f32, h as f32);
        c.fill_nonzero();
    }

    fn stroke_rect(&mut self, x: f64, y: f64, w: f64, h: f64) {
        let [r, g, b] = RULE.unit();
        let c = &mut self.page.content;
        c.set_stroke_rgb(r, g, b);
        c.set_line_width(0.5);
        c.rect(x as f32, (PAGE_H - y - h) as f32, w as f32, h as f32);
        c.stroke();
    }

    /// A table: caption, header row (repeated on every page the table runs onto), rows, total.
    fn table(&mut self, t: &Table) {
        let size = TABLE_SIZE;
        let pitch = size * 1.45;
        let header: Vec<&str> = t.columns.iter().map(|c| c.header.as_str()).collect();
        let show =
            |row: &Vec<Cell>| row.iter().zip(&t.columns).map(|(c, col)| c.display(col.format)).collect::<Vec<_>>();
        let rows: Vec<Vec<String>> = t.rows.iter().map(show).collect();
        let total = t.total.as_ref().map(show);
        let widths = self.column_widths(&header, &rows, total.as_ref());
        let table_w: f64 = widths.iter().sum();
        let x0 = MARGIN_X + (BODY_W - table_w) / 2.0;
        let right: Vec<bool> = t.columns.iter().map(|c| c.format != Format::Text).collect();

        self.y += 6.0;
        // The caption stays with the header and the first row.
        self.ensure(9.5 * 1.5 + 3.0 * (pitch + 2.0 * CELL_INSET_Y));
        self.centred(&t.caption, Style::SansBold, 9.5, BLACK, 0.0);
        self.y += 1.0;
        let head: Vec<String> = header.iter().map(|s| s.to_string()).collect();
        self.row(&head, &widths, x0, &right, RowKind::Header);
        for r in &rows {
            let lines = self.row_height(r, &widths, Style::Sans);
            if self.y + lines > self.bottom() {
                self.new_page();
                self.row(&head, &widths, x0, &right, RowKind::Header);
            }
            self.row(r, &widths, x0, &right, RowKind::Body);
        }
        if let Some(total) = &total {
            let h = self.row_height(total, &widths, Style::SansBold);
            if self.y + h > self.bottom() {
                self.new_page();
                self.row(&head, &widths, x0, &right, RowKind::Header);
            }
            self.row(total, &widths, x0, &right, RowKind::Total);
        }
        if let Some(note) = &t.note {
            self.y += 3.0;
            for line in self.break_lines(Style::Sans, 8.0, note, BODY_W, BODY_W) {
                self.ensure(8.0 * 1.45);
                self.show(MARGIN_X, self.y + 8.0 * ASCENT, Style::Sans, 8.0, &line.text, Rgb(70, 70, 70), 0.0, false);
                self.y += 8.0 * 1.45;
            }
        }
        self.y += 9.0;
    }

    /// Column widths: each as wide as its widest cell; when the table is wider than the page,
    /// the wide columns share what the narrow ones leave and their cells wrap.
    fn column_widths(&self, header: &[&str], rows: &[Vec<String>], total: Option<&Vec<String>>) -> Vec<f64> {
        let pad = 2.0 * CELL_INSET_X;
        let mut natural: Vec<f64> = header.iter().map(|h| self.width(Style::SansBold, TABLE_SIZE, h) + pad).collect();
        for r in rows {
            for (i, c) in r.iter().enumerate().take(natural.len()) {
                natural[i] = natural[i].max(self.width(Style::Sans, TABLE_SIZE, c) + pad);
            }
        }
        if let Some(r) = total {
            for (i, c) in r.iter().enumerate().take(natural.len()) {
                natural[i] = natural[i].max(self.width(Style::SansBold, TABLE_SIZE, c) + pad);
            }
        }
        if natural.iter().sum::<f64>() <= BODY_W {
            return natural;
        }
        let mut widths = vec![0.0; natural.len()];
        let mut open: Vec<usize> = (0..natural.len()).collect();
        let mut room = BODY_W;
        loop {
            let fair = room / open.len().max(1) as f64;
            let (fit, wide): (Vec<usize>, Vec<usize>) = open.iter().partition(|&&i| natural[i] <= fair);
            if fit.is_empty() {
                for &i in &wide {
                    widths[i] = fair.max(2.0 * TABLE_SIZE + pad);
                }
                return widths;
            }
            for &i in &fit {
                widths[i] = natural[i];
                room -= natural[i];
            }
            open = wide;
            if open.is_empty() {
                return widths;
            }
        }
    }

    fn row_height(&self, cells: &[String], widths: &[f64], style: Style) -> f64 {
        let lines = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| {
                let inner = w - 2.0 * CELL_INSET_X;
                self.break_lines(style, TABLE_SIZE, c, inner, inner).len()
            })
            .max()
            .unwrap_or(1);
        lines as f64 * TABLE_SIZE * 1.45 + 2.0 * CELL_INSET_Y
    }

    /// Draws one row at the current position.
    fn row(&mut self, cells: &[String], widths: &[f64], x0: f64, right: &[bool], kind: RowKind) {
        let size = TABLE_SIZE;
        let pitch = size * 1.45;
        let style = if kind == RowKind::Body { Style::Sans } else { Style::SansBold };
        let h = self.row_height(cells, widths, style);
        let top = self.y;
        let mut x = x0;
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            match kind {
                RowKind::Header => self.fill_rect(x, top, *w, h, HEAD_FILL),
                RowKind::Total => self.fill_rect(x, top, *w, h, TOTAL_FILL),
                RowKind::Body => {}
            }
            let inner = w - 2.0 * CELL_INSET_X;
            let lines = self.break_lines(style, size, cell, inner, inner);
            let mut y = top + (h - lines.len() as f64 * pitch) / 2.0;
            let colour = if kind == RowKind::Body && cell.starts_with('↑') {
                RED
            } else if kind == RowKind::Body && cell.starts_with('↓') {
                GREEN
            } else {
                BLACK
            };
            for line in lines {
                let lx = match (kind, right.get(i).copied().unwrap_or(false)) {
                    (RowKind::Header, _) => x + (w - line.width) / 2.0,
                    (_, true) => x + w - CELL_INSET_X - line.width,
                    (_, false) => x + CELL_INSET_X,
                };
                self.show(lx, y + pitch / 2.0 + size * 0.35, style, size, &line.text, colour, 0.0, false);
                y += pitch;
            }
            self.stroke_rect(x, top, *w, h);
            x += w;
        }
        self.y += h;
    }

    /// A chart, scaled to the body's width and kept on one page.
    fn chart(&mut self, d: &Drawing) {
        let scale = BODY_W * 0.96 / d.width;
        let h = d.height * scale;
        self.y += 5.0;
        self.ensure(h);
        let x0 = MARGIN_X + BODY_W * 0.02;
        let top = self.y;
        // SVG units (y down) to PDF points (y up).
        let at = |x: f64, y: f64| ((x0 + x * scale) as f32, (PAGE_H - top - y * scale) as f32);
        for m in &d.marks {
            match m {
                Mark::Rect { x, y, w, h, fill, stroke } => {
                    let (px, py) = at(*x, y + h);
                    let c = &mut self.page.content;
                    let [r, g, b] = fill.unit();
                    c.set_fill_rgb(r, g, b);
                    c.rect(px, py, (w * scale) as f32, (h * scale) as f32);
                    match stroke {
                        Some((colour, width)) => {
                            let [r, g, b] = colour.unit();
                            c.set_stroke_rgb(r, g, b);
                            c.set_line_width((width * scale) as f32);
                            c.fill_nonzero_and_stroke();
                        }
                        None => {
                            c.fill_nonzero();
                        }
                    }
                }
                Mark::Line { points, stroke, width } => {
                    let c = &mut self.page.content;
                    let [r, g, b] = stroke.unit();
                    c.set_stroke_rgb(r, g, b);
                    c.set_line_width((width * scale) as f32);
                    for (k, (x, y)) in points.iter().enumerate() {
                        let (px, py) = at(*x, *y);
                        if k == 0 {
                            c.move_to(px, py);
                        } else {
                            c.line_to(px, py);
                        }
                    }
                    c.stroke();
                }
                Mark::Circle { cx, cy, r, fill } => {
                    let c = &mut self.page.content;
                    let [cr, cg, cb] = fill.unit();
                    c.set_fill_rgb(cr, cg, cb);
                    arc(c, &at, *cx, *cy, *r, 0.0, std::f64::consts::TAU, true);
                    c.close_path();
                    c.fill_nonzero();
                }
                Mark::Wedge { cx, cy, r, a0, a1, fill, stroke } => {
                    let c = &mut self.page.content;
                    let [fr, fg, fb] = fill.unit();
                    let [sr, sg, sb] = stroke.unit();
                    c.set_fill_rgb(fr, fg, fb);
                    c.set_stroke_rgb(sr, sg, sb);
                    c.set_line_width(scale as f32);
                    let (px, py) = at(*cx, *cy);
                    c.move_to(px, py);
                    arc(c, &at, *cx, *cy, *r, *a0, *a1, false);
                    c.close_path();
                    c.fill_nonzero_and_stroke();
                }
                Mark::Text { x, y, text, anchor, size, bold, fill } => {
                    let style = if *bold { Style::SansBold } else { Style::Sans };
                    let size = size * scale;
                    let w = self.width(style, size, text);
                    let left = x0
                        + x * scale
                        + match anchor {
                            Anchor::Start => 0.0,
                            Anchor::Middle => -w / 2.0,
                            Anchor::End => -w,
                        };
                    self.show(left, top + y * scale, style, size, text, *fill, 0.0, false);
                }
            }
        }
        self.y += h + 8.0;
    }

    /// The running header (from the second page) and the footer with the page numbers, drawn
    /// once the number of pages is known.
    fn decorate(&mut self, issuer: &str, kind_issue: &str, footer_left: &str) {
        let pages = std::mem::take(&mut self.pages);
        let total = pages.len();
        let mut done = Vec::with_capacity(total);
        for (i, page) in pages.into_iter().enumerate() {
            self.page = page;
            let grey = Rgb(90, 90, 90);
            if i > 0 {
                let y = MARGIN_TOP - 24.0;
                self.show(MARGIN_X, y, Style::Sans, 8.0, issuer, grey, 0.0, false);
                let w = self.width(Style::Sans, 8.0, kind_issue);
                self.show(MARGIN_X + BODY_W - w, y, Style::Sans, 8.0, kind_issue, grey, 0.0, false);
                self.rule(y + 4.0, 0.4, Rgb(160, 160, 160));
            }
            let y = PAGE_H - MARGIN_BOTTOM + 30.0;
            self.show(MARGIN_X, y, Style::Sans, 7.5, footer_left, grey, 0.0, false);
            let numbers = format!("第 {} 页 / 共 {total} 页", i + 1);
            let w = self.width(Style::Sans, 8.5, &numbers);
            self.show(MARGIN_X + BODY_W - w, y, Style::Sans, 8.5, &numbers, BLACK, 0.0, false);
            done.push(std::mem::take(&mut self.page));
        }
        self.pages = done;
    }

    /// Writes the document: pages, fonts (subset), outline and metadata.
    fn write(self, title: &str, author: &str) -> Result<Vec<u8>, ReportError> {
        let mut next = 1;
        let mut alloc = || {
            let r = Ref::new(next);
            next += 1;
            r
        };
        let catalog = alloc();
        let tree = alloc();
        let info = alloc();
        let outline_root = alloc();
        let gs = alloc();
        let page_refs: Vec<(Ref, Ref)> = self.pages.iter().map(|_| (alloc(), alloc())).collect();
        let font_refs: Vec<[Ref; 5]> =
            self.used.iter().map(|_| [alloc(), alloc(), alloc(), alloc(), alloc()]).collect();
        let item_refs: Vec<Ref> = self.outline.iter().map(|_| alloc()).collect();

        let mut pdf = Pdf::new();
        let mut cat = pdf.catalog(catalog);
        cat.pages(tree);
        if !item_refs.is_empty() {
            cat.outlines(outline_root);
            cat.page_mode(PageMode::UseOutlines);
        }
        cat.finish();
        pdf.document_info(info).title(TextStr(title)).author(TextStr(author)).creator(TextStr("Fanzha"));
        pdf.pages(tree).kids(page_refs.iter().map(|p| p.0)).count(page_refs.len() as i32);
        pdf.ext_graphics(gs).non_stroking_alpha(36.0 / 255.0);
        for (page, (id, content_id)) in self.pages.into_iter().zip(&page_refs) {
            let mut p = pdf.page(*id);
            p.parent(tree).media_box(Rect::new(0.0, 0.0, PAGE_W as f32, PAGE_H as f32)).contents(*content_id);
            let mut res = p.resources();
            let mut fonts = res.fonts();
            for (i, refs) in font_refs.iter().enumerate() {
                fonts.pair(Name(format!("F{i}").as_bytes()), refs[0]);
            }
            fonts.finish();
            res.ext_g_states().pair(Name(b"Wm"), gs);
            res.finish();
            p.finish();
            let data = deflate(&page.content.finish().into_vec())?;
            pdf.stream(*content_id, &data).filter(Filter::FlateDecode);
        }
        for (u, [type0, cid, descriptor, file, cmap]) in self.used.iter().zip(&font_refs) {
            embed(&mut pdf, u, *type0, *cid, *descriptor, *file, *cmap)?;
        }
        if let (Some(first), Some(last)) = (item_refs.first(), item_refs.last()) {
            pdf.outline(outline_root).first(*first).last(*last).count(item_refs.len() as i32);
            for (i, (text, page, y)) in self.outline.iter().enumerate() {
                let mut item = pdf.outline_item(item_refs[i]);
                item.parent(outline_root).title(TextStr(text));
                if i > 0 {
                    item.prev(item_refs[i - 1]);
                }
                if let Some(n) = item_refs.get(i + 1) {
                    item.next(*n);
                }
                if let Some((page_ref, _)) = page_refs.get(*page) {
                    item.dest().page(*page_ref).xyz(MARGIN_X as f32, (PAGE_H - y + 4.0) as f32, None);
                }
            }
        }
        Ok(pdf.finish())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RowKind {
    Header,
    Body,
    Total,
}

/// An arc of a circle as cubic Béziers (at most a quarter turn each), in SVG units mapped by
/// `at`; starts with a move when `start` is set, else continues the path with a line.
#[allow(clippy::too_many_arguments)]
fn arc(c: &mut Content, at: &impl Fn(f64, f64) -> (f32, f32), cx: f64, cy: f64, r: f64, a0: f64, a1: f64, start: bool) {
    let pt = |a: f64| (cx + r * a.cos(), cy + r * a.sin());
    let (sx, sy) = at(pt(a0).0, pt(a0).1);
    if start {
        c.move_to(sx, sy);
    } else {
        c.line_to(sx, sy);
    }
    let n = ((a1 - a0).abs() / std::f64::consts::FRAC_PI_2).ceil().max(1.0) as usize;
    let step = (a1 - a0) / n as f64;
    let k = 4.0 / 3.0 * (step / 4.0).tan();
    for i in 0..n {
        let (t0, t1) = (a0 + step * i as f64, a0 + step * (i + 1) as f64);
        let (p0, p3) = (pt(t0), pt(t1));
        let c1 = at(p0.0 - k * r * t0.sin(), p0.1 + k * r * t0.cos());
        let c2 = at(p3.0 + k * r * t1.sin(), p3.1 - k * r * t1.cos());
        let e = at(p3.0, p3.1);
        c.cubic_to(c1.0, c1.1, c2.0, c2.1, e.0, e.1);
    }
}

fn deflate(data: &[u8]) -> Result<Vec<u8>, ReportError> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(6));
    z.write_all(data).and_then(|()| z.finish()).map_err(|e| ReportError::Pdf(format!("deflate: {e}")))
}

/// Embeds one face as a Type 0 font over a CID font: the glyphs used, subset (the subset's
/// glyph ids are the CIDs), with their widths and the map back to text.
fn embed(
    pdf: &mut Pdf,
    u: &Used<'_>,
    type0: Ref,
    cid: Ref,
    descriptor: Ref,
    file: Ref,
    cmap: Ref,
) -> Result<(), ReportError> {
    // A subset tag from the glyphs, so that the same report gives the same file.
    let hash =
        u.glyphs.values().fold(0xcbf2_9ce4_8422_2325u64, |h, (g, _)| (h ^ u64::from(*g)).wrapping_mul(0x100_0000_01b3));
    let tag: String = (0..6).map(|i| char::from(b'A' + ((hash >> (i * 5)) % 26) as u8)).collect();
    let base = format!("{tag}+{}", u.file.ps_name);
    let cff = u.face.raw_face().table(Tag::from_bytes(b"CFF ")).is_some();
    let scale = |v: f64| (v * 1000.0 / u.upem) as f32;

    pdf.type0_font(type0)
        .base_font(Name(base.as_bytes()))
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid)
        .to_unicode(cmap);
    let info = SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"Identity"), supplement: 0 };
    let mut font = pdf.cid_font(cid);
    font.subtype(if cff { CidFontType::Type0 } else { CidFontType::Type2 });
    font.base_font(Name(base.as_bytes())).system_info(info).font_descriptor(descriptor).default_width(0.0);
    if !cff {
        font.cid_to_gid_map_predefined(Name(b"Identity"));
    }
    let mut widths = font.widths();
    for (new, (old, _)) in &u.glyphs {
        let adv = f64::from(u.face.glyph_hor_advance(ttf_parser::GlyphId(*old)).unwrap_or_default());
        widths.consecutive(*new, [scale(adv)]);
    }
    widths.finish();
    font.finish();

    let bbox = u.face.global_bounding_box();
    let mut fd = pdf.font_descriptor(descriptor);
    fd.name(Name(base.as_bytes()))
        .flags(FontFlags::SYMBOLIC)
        .bbox(Rect::new(
            scale(f64::from(bbox.x_min)),
            scale(f64::from(bbox.y_min)),
            scale(f64::from(bbox.x_max)),
            scale(f64::from(bbox.y_max)),
        ))
        .italic_angle(0.0)
        .ascent(scale(f64::from(u.face.ascender())))
        .descent(scale(f64::from(u.face.descender())))
        .cap_height(scale(f64::from(u.face.capital_height().unwrap_or(u.face.ascender()))))
        .stem_v(80.0);
    if cff {
        fd.font_file3(file);
    } else {
        fd.font_file2(file);
    }
    fd.finish();

    let subset = subsetter::subset(&u.file.data, u.file.index, &u.remapper)
        .map_err(|e| ReportError::Pdf(format!("subsetting {}: {e:?}", u.file.ps_name)))?;
    // A CFF font goes in as its bare CFF program; a TrueType font whole.
    let program = if cff {
        ttf_parser::RawFace::parse(&subset, 0)
            .ok()
            .and_then(|f| f.table(Tag::from_bytes(b"CFF ")))
            .ok_or_else(|| ReportError::Pdf(format!("subset of {} has no CFF table", u.file.ps_name)))?
    } else {
        &subset
    };
    let data = deflate(program)?;
    let mut stream = pdf.stream(file, &data);
    stream.filter(Filter::FlateDecode);
    if cff {
        stream.pair(Name(b"Subtype"), Name(b"CIDFontType0C"));
    }
    stream.finish();

    let mut map = pdf_writer::types::UnicodeCmap::new(Name(b"Custom"), info);
    for (new, (_, text)) in &u.glyphs {
        map.pair_with_multiple(*new, text.chars());
    }
    let cmap_data = deflate(&map.finish().into_vec())?;
    pdf.stream(cmap, &cmap_data).filter(Filter::FlateDecode);
    Ok(())
}

/// Typesets the report: `(pdf bytes, page count)`.
pub fn render(doc: &Document<'_>, fonts: Arc<Fonts>) -> Result<(Vec<u8>, usize), ReportError> {
    let r = doc.report;
    let mut t = Typesetter::new(&fonts, doc.watermark)?;

    // The red header (红头): one line, smaller for a long issuer.
    let natural = t.width(Style::SerifBold, 22.0, &r.issuer) + 1.5 * r.issuer.chars().count() as f64;
    let size = (22.0 * BODY_W / natural.max(1.0)).clamp(15.0, 22.0);
    t.centred(&r.issuer, Style::SerifBold, size, RED, 1.5 * size / 22.0);
    t.y += 2.0;
    t.centred(&r.issue_no, Style::Serif, 12.0, BLACK, 0.0);
    t.y += 1.0;
    let y = t.y;
    t.rule(y, 1.8, RED);
    t.y += 12.0;
    t.centred(&r.title, Style::SerifBold, 17.0, BLACK, 0.0);
    t.y += 2.0;
    let scope = format!("统计范围：{}　统计周期：{}　规则版本：{}", r.scope_name, r.period_zh, crate::versions_line(r));
    t.centred(&scope, Style::Sans, 8.5, Rgb(80, 80, 80), 0.0);
    t.y += 10.0;

    for p in &r.summary {
        t.paragraph(p, Style::Serif, BODY_SIZE);
    }
    for (i, sec) in r.sections.iter().enumerate() {
        t.heading(&format!("{}、{}", NUMERALS.get(i).copied().unwrap_or(""), sec.heading));
        for p in &sec.paragraphs {
            t.paragraph(p, Style::Serif, BODY_SIZE);
        }
        for b in &sec.blocks {
            match b {
                Block::Table(table) if table.sheet_only || table.rows.is_empty() => {}
                Block::Table(table) => t.table(table),
                Block::Chart(c) => t.chart(&charts::draw(c)),
            }
        }
    }
    let narrative = crate::narrative_paragraphs(doc.narrative);
    if !narrative.is_empty() {
        t.heading(&format!("{}、工作要求", NUMERALS.get(r.sections.len()).copied().unwrap_or("")));
        for p in narrative {
            t.paragraph(p, Style::Serif, BODY_SIZE);
        }
    }
    // The signature: issuer and date, right-aligned.
    t.y += 2.0 * BODY_SIZE;
    t.ensure(2.0 * BODY_SIZE * 1.7);
    for line in [r.issuer.as_str(), doc.dated.as_str()] {
        let w = t.width(Style::Serif, BODY_SIZE, line);
        t.show(MARGIN_X + BODY_W - w, t.y + BODY_SIZE * ASCENT, Style::Serif, BODY_SIZE, line, BLACK, 0.0, false);
        t.y += BODY_SIZE * 1.7;
    }
    t.new_page_end();

    let kind_issue = format!("{}　{}", r.kind.zh(), r.issue_no);
    let footer = format!("{}　数据截止 {}", r.issuer, domain::time::format_china(r.cutoff_ms));
    t.decorate(&r.issuer, &kind_issue, &footer);
    let pages = t.pages.len();
    let bytes = t.write(&r.title, &r.issuer)?;
    Ok((bytes, pages))
}

impl Typesetter<'_> {
    /// Closes the last page.
    fn new_page_end(&mut self) {
        let done = std::mem::take(&mut self.page);
        self.pages.push(done);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn punctuation_stays_with_its_character_and_latin_words_stay_whole() {
        assert_eq!(units("发案（起）。"), ["发", "案", "（起）。"]);
        assert_eq!(units("共 1,234 起，同比↑12.5%"), ["共", " ", "1,234", " ", "起，", "同", "比", "↑12.5%"]);
        assert_eq!(units("ab cd"), ["ab", " ", "cd"]);
        assert!(units("").is_empty());
    }

    fn fonts() -> Arc<Fonts> {
        Fonts::shared().expect("fonts-noto-cjk is installed (see .ci/run)")
    }

    proptest! {
        /// Lines fit their width, keep every character but the spaces where they break, and
        /// never start with closing punctuation.
        #[test]
        fn lines_fit_and_keep_the_text(
            text in "[发案损失万元派出所，。、（）《》：12,.% a-zA-Z↑↓]{0,120}",
            width in 30.0f64..460.0,
        ) {
            let fonts = fonts();
            let t = Typesetter::new(&fonts, None).expect("typesetter");
            let lines = t.break_lines(Style::Serif, BODY_SIZE, &text, width, width);
            prop_assert!(!lines.is_empty());
            let mut joined = String::new();
            for (i, line) in lines.iter().enumerate() {
                let measured = t.width(Style::Serif, BODY_SIZE, &line.text);
                prop_assert!((measured - line.width).abs() < 1e-6, "width kept: {measured} vs {}", line.width);
                let one_char = line.text.chars().count() == 1;
                prop_assert!(line.width <= width + 0.02 || one_char, "line {i} {:?} is {} wide, room {width}", line.text, line.width);
                prop_assert_eq!(line.glyphs, line.text.chars().count());
                prop_assert!(!line.text.starts_with(' ') && !line.text.ends_with(' '), "{:?}", line.text);
                joined.push_str(&line.text);
            }
            let strip = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
            prop_assert_eq!(strip(&joined), strip(&text));
            // Unless a word had to be cut, no line starts with closing punctuation.
            if units(&text).iter().all(|u| t.width(Style::Serif, BODY_SIZE, u) <= width) {
                for pair in lines.windows(2) {
                    let first = pair[1].text.chars().next().unwrap_or(' ');
                    prop_assert!(!closes(first), "{:?} then {:?}", pair[0].text, pair[1].text);
                }
            }
        }
    }
}
