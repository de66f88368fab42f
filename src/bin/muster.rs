//! The native CLI: files and arguments in, the core's results out. The only code that prints or
//! exits. Exit status: 0 valid / done, 1 the input has errors, 2 usage or I/O error.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Args, Parser, Subcommand, ValueEnum};
use muster::payload::scim::BulkConfig;
use muster::plan::{Limits, Plan};
use muster::records::columns::Profile;
use muster::sheet::ReadOptions;
use muster::spreadsheet::SheetOptions;
use muster::{Diagnostic, Format, Options, Report, Severity};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Validate and convert bulk user-provisioning payloads: SCIM 2.0 Bulk, Oracle HCM, JumpCloud.
#[derive(Parser)]
#[command(name = "muster", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a payload and report every problem at once.
    Validate {
        #[command(flatten)]
        input: InputArgs,
        /// Print {"valid", "summary": {"rows", "errors", "warnings"}, "diagnostics": [...]}.
        #[arg(long)]
        json: bool,
    },
    /// Convert a payload to another dialect. With limits, print one request per chunk (an array).
    Convert {
        #[command(flatten)]
        input: InputArgs,
        #[arg(long, value_enum)]
        to: TargetArg,
        /// Write the result here instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Show how a SCIM bulk request would be split and ordered for an upstream's limits.
    Plan {
        #[command(flatten)]
        input: InputArgs,
        /// Print the whole plan (chunks with their requests) as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Propose how a spreadsheet's columns map to user fields (and save it as a profile).
    Map {
        #[command(flatten)]
        input: InputArgs,
        /// Print the proposals as JSON.
        #[arg(long)]
        json: bool,
        /// Write the mapping as a profile, to reuse with --mapping.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Put the upstream's answer back onto the spreadsheet's rows: a CSV (or JSON) report.
    Report {
        /// The answer: a SCIM BulkResponse (or an array of them, one per chunk), or JumpCloud job results.
        answer: PathBuf,
        /// The spreadsheet that was sent.
        #[arg(long)]
        input: PathBuf,
        /// The dialect the sheet was sent in (auto: jumpcloud-create).
        #[arg(long, value_enum, default_value_t = FormatArg::Auto)]
        format: FormatArg,
        #[command(flatten)]
        sheet: SheetArgs,
        /// Write the report here (CSV, or JSON with --json) instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// List every diagnostic code.
    Codes {
        /// Print the catalogue as Markdown (docs/diagnostics.md).
        #[arg(long)]
        markdown: bool,
    },
}

/// The input file, its dialect and the upstream's limits: shared by validate, convert and plan.
#[derive(Args)]
struct InputArgs {
    /// A JSON payload, or a CSV/TSV spreadsheet.
    file: PathBuf,
    /// The payload's dialect; for a spreadsheet, the dialect its users will be sent in
    /// (auto: jumpcloud-create).
    #[arg(long, value_enum, default_value_t = FormatArg::Auto)]
    format: FormatArg,
    #[command(flatten)]
    limits: LimitArgs,
    #[command(flatten)]
    sheet: SheetArgs,
}

/// How to read a spreadsheet.
#[derive(Args)]
struct SheetArgs {
    /// A saved mapping profile (JSON, as written by `muster map -o`).
    #[arg(long, value_name = "PROFILE")]
    mapping: Option<PathBuf>,
    /// The file's encoding, overriding detection (utf-8, utf-16le, windows-1252, …).
    #[arg(long)]
    encoding: Option<String>,
    /// The delimiter, overriding detection.
    #[arg(long)]
    delimiter: Option<char>,
    /// The header row as numbered in the spreadsheet (default: the first non-blank row).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    header_row: Option<u64>,
    /// The workbook sheet to read (default: the first).
    #[arg(long)]
    sheet: Option<String>,
}

impl InputArgs {
    fn is_sheet(&self, bytes: &[u8]) -> bool {
        let name = self.file.to_string_lossy();
        muster::bytes::sniff(bytes, Some(&name)) != muster::bytes::Kind::Json
    }

    fn sheet_options(&self, target: Format) -> Result<SheetOptions, Failure> {
        self.sheet.options(&self.file, target)
    }
}

impl SheetArgs {
    fn options(&self, file: &Path, target: Format) -> Result<SheetOptions, Failure> {
        let profile = match &self.mapping {
            Some(path) => Some(
                serde_json::from_slice::<Profile>(&read(path)?)
                    .map_err(|err| Failure(format!("{} is not a mapping profile: {err}", path.display())))?,
            ),
            None => None,
        };
        let read = ReadOptions {
            filename: Some(file.to_string_lossy().into_owned()),
            encoding: self.encoding.clone(),
            delimiter: self.delimiter,
            header_row: self.header_row,
            sheet: self.sheet.clone(),
        };
        Ok(SheetOptions { read, profile, target })
    }
}

#[derive(Args)]
struct LimitArgs {
    /// The upstream's bulk.maxOperations.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    max_operations: Option<u64>,
    /// The upstream's bulk.maxPayloadSize, in bytes.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    max_payload_bytes: Option<u64>,
}

impl LimitArgs {
    fn config(&self) -> Option<BulkConfig> {
        (self.max_operations.is_some() || self.max_payload_bytes.is_some()).then_some(BulkConfig {
            supported: true,
            max_operations: self.max_operations,
            max_payload_size: self.max_payload_bytes,
        })
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Auto,
    Scim,
    Oracle,
    JumpcloudCreate,
    JumpcloudUpdate,
}

#[derive(Clone, Copy, ValueEnum)]
enum TargetArg {
    Scim,
    Oracle,
    JumpcloudCreate,
    JumpcloudUpdate,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Auto => Format::Auto,
            FormatArg::Scim => Format::Scim,
            FormatArg::Oracle => Format::Oracle,
            FormatArg::JumpcloudCreate => Format::JumpcloudCreate,
            FormatArg::JumpcloudUpdate => Format::JumpcloudUpdate,
        }
    }
}

impl From<TargetArg> for Format {
    fn from(t: TargetArg) -> Format {
        match t {
            TargetArg::Scim => Format::Scim,
            TargetArg::Oracle => Format::Oracle,
            TargetArg::JumpcloudCreate => Format::JumpcloudCreate,
            TargetArg::JumpcloudUpdate => Format::JumpcloudUpdate,
        }
    }
}

/// A run that could not go on: printed as `muster: …`, exit 2 (nothing is printed when the
/// message is empty).
struct Failure(String);

/// Prints to stdout like `print!`, but a write error is a [`Failure`], not a panic.
macro_rules! out {
    ($($arg:tt)*) => { emit(format_args!($($arg)*)) };
}

fn emit(args: std::fmt::Arguments<'_>) -> Result<(), Failure> {
    use std::io::Write as _;
    std::io::stdout().lock().write_fmt(args).map_err(|err| output_failed(&err, Path::new("the output")))
}

/// A reader that stopped reading (`muster validate big.csv | head`) ends the run quietly, as it
/// ends other Unix tools; any other write error is reported.
fn output_failed(err: &std::io::Error, path: &Path) -> Failure {
    if err.kind() == std::io::ErrorKind::BrokenPipe {
        Failure(String::new())
    } else {
        Failure(format!("cannot write {}: {err}", path.display()))
    }
}

fn main() -> ExitCode {
    let outcome = match Cli::parse().command {
        Command::Validate { input, json } => validate(&input, json),
        Command::Map { input, json, output } => map(&input, json, output.as_deref()),
        Command::Report { answer, input, format, sheet, output, json } => {
            report(&answer, &input, &sheet, format.into(), output.as_deref(), json)
        }
        Command::Convert { input, to, output } => convert(&input, to.into(), output.as_deref()),
        Command::Plan { input, json } => plan(&input.file, input.format.into(), &input.limits, json),
        Command::Codes { markdown } => codes(markdown).map(|()| true),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(Failure(message)) => {
            if !message.is_empty() {
                eprintln!("muster: {message}");
            }
            ExitCode::from(2)
        }
    }
}

fn read(file: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(file).map_err(|err| Failure(format!("cannot read {}: {err}", file.display())))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, Failure> {
    serde_json::to_string_pretty(value).map_err(|err| Failure(format!("cannot render JSON: {err}")))
}

fn validate(input: &InputArgs, json: bool) -> Result<bool, Failure> {
    let file = input.file.as_path();
    if sheet_by_name(file) {
        return validate_streaming(input, json);
    }
    let report = if let Some(report) = validate_workbook(input)? {
        report
    } else {
        let bytes = read(file)?;
        if input.is_sheet(&bytes) {
            muster::spreadsheet::check_report(&bytes, &input.sheet_options(input.format.into())?).map_err(Failure)?
        } else {
            let options = Options { format: input.format.into(), limits: input.limits.config(), password_policy: None };
            match muster::checks::parse(&bytes) {
                Ok(value) => {
                    let report = muster::checks::validate_parsed(&value, bytes.len(), &options);
                    // The process ends after printing: freeing a big payload's JSON node by node
                    // would only delay the exit (a tenth of the run on 100k operations).
                    std::mem::forget(value);
                    report
                }
                Err(report) => report,
            }
        }
    };
    if json {
        out!("{}\n", to_json(&report)?)?;
    } else {
        print_report(file, &report, "record(s)")?;
    }
    Ok(report.valid)
}

/// An XLSX workbook's report, read from its file as it is needed rather than read whole first
/// (the file would double a big workbook's memory); `None` when the file is not one. Once the
/// workbook is open, the progress bar follows how far into the file calamine has read the sheet.
fn validate_workbook(input: &InputArgs) -> Result<Option<muster::Report>, Failure> {
    let file = input.file.as_path();
    let opened = std::fs::File::open(file).map_err(|err| Failure(format!("cannot read {}: {err}", file.display())))?;
    let bar = progress_bar(&opened);
    // Hidden while the workbook is opened: its parts are read from the end of the file back.
    bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    let source = Progress { inner: std::io::BufReader::new(opened), at: 0, bar: bar.clone() };
    let Some(workbook) = muster::spreadsheet::XlsxWorkbook::open(source) else { return Ok(None) };
    let options = input.sheet_options(input.format.into())?;
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    let report = workbook.check_report(&options).map_err(Failure);
    bar.finish_and_clear();
    report.map(Some)
}

/// A progress bar over the bytes of `file`, drawn only when stderr is a terminal.
fn progress_bar(file: &std::fs::File) -> indicatif::ProgressBar {
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = indicatif::ProgressBar::with_draw_target(Some(total), indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {percent:>3}% {bytes}/{total_bytes} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

/// A reader that moves a progress bar to where it has read to.
struct Progress<R> {
    inner: R,
    /// Where the next read starts.
    at: u64,
    bar: indicatif::ProgressBar,
}

impl<R: std::io::Read> std::io::Read for Progress<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.at += n as u64;
        self.bar.set_position(self.at);
        Ok(n)
    }
}

impl<R: std::io::Seek> std::io::Seek for Progress<R> {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        self.at = self.inner.seek(to)?;
        Ok(self.at)
    }
}

/// Delimited text is validated as it is read, so files of any size fit in memory.
fn sheet_by_name(file: &Path) -> bool {
    let extension = file.extension().map(|e| e.to_string_lossy().to_ascii_lowercase());
    matches!(extension.as_deref(), Some("csv" | "tsv" | "txt" | "tab"))
}

/// Streams the file through the checker with a progress bar (drawn only on a terminal). Memory
/// stays flat: the values checked for batch duplicates and the findings go to temporary files
/// once they are many (kept in memory should none be had), and the report is written as they are
/// read back.
fn validate_streaming(input: &InputArgs, json: bool) -> Result<bool, Failure> {
    use muster::spreadsheet::stream::{GatheredOnDisk, SheetStream, StreamOptions};
    use std::io::Read;
    let file = input.file.as_path();
    let mut reader =
        std::fs::File::open(file).map_err(|err| Failure(format!("cannot read {}: {err}", file.display())))?;
    let bar = progress_bar(&reader);
    let mut stream = SheetStream::new(input.sheet_options(input.format.into())?, StreamOptions::default())
        .spill(muster::checks::Spill::new(Box::new(tempfile::tempfile), values_in_memory()?));
    let mut gathered = GatheredOnDisk::new(tempfile::tempfile().ok());
    let mut buffer = vec![0u8; 1 << 20];
    let report = loop {
        let n = reader.read(&mut buffer).map_err(|err| Failure(format!("cannot read {}: {err}", file.display())))?;
        let update = if n == 0 { stream.finish() } else { stream.push(&buffer[..n]) }.map_err(Failure)?;
        bar.set_position(update.progress.bytes);
        bar.set_message(format!("{} rows, {} errors", update.progress.rows, update.progress.errors));
        let added = gathered.add(update);
        if let Some(report) =
            added.map_err(|err| Failure(format!("cannot write the findings to a temporary file: {err}")))?
        {
            bar.finish_and_clear();
            break report;
        }
    };
    let (valid, s) = (report.valid(), report.summary);
    let output = |err: std::io::Error| output_failed(&err, Path::new("the output"));
    if json {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        report.write_json(&mut out).map_err(std::io::Error::from).map_err(output)?;
        std::io::Write::write_all(&mut out, b"\n").and_then(|()| std::io::Write::flush(&mut out)).map_err(output)?;
    } else {
        print_diagnostics(file, report.diagnostics(), &mut std::io::stdout()).map_err(output)?;
        print_summary(file, s, "record(s)")?;
    }
    Ok(valid)
}

/// Values of each kind (usernames, emails, ids) checked for batch duplicates that a stream keeps
/// in memory before writing them to temporary files: `MUSTER_SPILL_AFTER`, else 262,144 (4 MB).
fn values_in_memory() -> Result<usize, Failure> {
    match std::env::var("MUSTER_SPILL_AFTER") {
        Err(_) => Ok(muster::checks::IN_MEMORY_VALUES),
        Ok(text) => text.parse().map_err(|_| {
            Failure(format!("MUSTER_SPILL_AFTER must be a number of values (such as 1000000), not \"{text}\""))
        }),
    }
}

fn report(
    answer: &Path,
    input: &Path,
    sheet: &SheetArgs,
    target: Format,
    output: Option<&Path>,
    json: bool,
) -> Result<bool, Failure> {
    let bytes = read(input)?;
    let (rows, check) = muster::spreadsheet::read_and_check(&bytes, &sheet.options(input, target)?).map_err(Failure)?;
    let answer: serde_json::Value = serde_json::from_slice(&read(answer)?)
        .map_err(|err| Failure(format!("{} is not JSON: {err}", answer.display())))?;
    let outcomes = muster::spreadsheet::outcomes(&check, &answer).map_err(Failure)?;
    let text =
        if json { to_json(&outcomes)? + "\n" } else { muster::report::to_csv(&rows, &outcomes).map_err(Failure)? };
    match output {
        Some(path) => {
            std::fs::write(path, text).map_err(|err| Failure(format!("cannot write {}: {err}", path.display())))?
        }
        None => out!("{text}")?,
    }
    let failed =
        outcomes.iter().filter(|o| o.outcome != "created" && o.outcome != "updated" && o.outcome != "deleted").count();
    eprintln!("{}: {} row(s) reported, {failed} not done", input.display(), outcomes.len());
    Ok(failed == 0)
}

fn map(input: &InputArgs, json: bool, output: Option<&Path>) -> Result<bool, Failure> {
    let bytes = read(&input.file)?;
    let checked = muster::spreadsheet::check(&bytes, &input.sheet_options(input.format.into())?).map_err(Failure)?;
    if let Some(path) = output {
        let profile = muster::records::columns::to_profile(&checked.mapping, false);
        std::fs::write(path, to_json(&profile)? + "\n")
            .map_err(|err| Failure(format!("cannot write {}: {err}", path.display())))?;
    }
    if json {
        out!("{}\n", to_json(&checked.mapping)?)?;
        return Ok(true);
    }
    out!("headers in row {} of {}:\n", checked.header_row, input.file.display())?;
    for p in &checked.mapping {
        let field = p.field.as_deref().unwrap_or("(not mapped)");
        let letter = muster::sheet::column_letter(p.column);
        out!("  {letter:<3} {:<28} → {field:<30} {:>4.0} %  {}\n", p.header, p.confidence * 100.0, p.reason)?;
    }
    Ok(true)
}

fn convert(input: &InputArgs, to: Format, output: Option<&Path>) -> Result<bool, Failure> {
    let file = input.file.as_path();
    let bytes = read(file)?;
    let SheetOptions { read, profile, .. } = input.sheet_options(to)?;
    let options = muster::conversion::ConvertOptions {
        format: input.format.into(),
        max_operations: input.limits.max_operations,
        max_payload_bytes: input.limits.max_payload_bytes,
        read,
        mapping: profile,
    };
    let conversion = muster::conversion::convert_input(&bytes, to, &options).map_err(Failure)?;
    // Findings beside a converted body go to stderr; one that cannot be written is not worth stopping for.
    let _ = print_diagnostics(file, conversion.report.diagnostics.iter().map(Ok), &mut std::io::stderr());
    // With limits, one request per chunk.
    let body = match (conversion.chunks, conversion.body) {
        (Some(chunks), _) => serde_json::Value::Array(chunks),
        (None, Some(body)) => body,
        (None, None) => {
            eprintln!("{}: not converted; fix the errors above first.", file.display());
            return Ok(false);
        }
    };
    // Written as it is rendered: a rendered copy of a big body would be as big again.
    let written = match output {
        Some(path) => std::fs::File::create(path).and_then(|file| write_json(file, &body)),
        None => write_json(std::io::stdout().lock(), &body),
    };
    written.map_err(|err| output_failed(&err, output.unwrap_or(Path::new("the output"))))?;
    Ok(true)
}

/// `value` as indented JSON and a newline, through a buffer.
fn write_json(out: impl std::io::Write, value: &serde_json::Value) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    out.flush()
}

fn plan(file: &Path, format: Format, limits: &LimitArgs, json: bool) -> Result<bool, Failure> {
    let bytes = read(file)?;
    let report = muster::validate(&bytes, &Options { format, ..Options::default() });
    let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    if !report.valid || format.resolve(&value).is_jumpcloud() {
        print_report(file, &report, "operation(s)")?;
        if report.valid {
            return Err(Failure(
                "plan works on SCIM bulk requests; convert JumpCloud bodies with --to scim first".to_owned(),
            ));
        }
        return Ok(false);
    }
    let plan = muster::plan::plan(value, Limits::from_config(limits.config().as_ref()));
    if json {
        out!("{}\n", to_json(&plan)?)?;
    } else {
        print_plan(&plan)?;
        print_diagnostics(file, plan.diagnostics.iter().map(Ok), &mut std::io::stdout())
            .map_err(|err| output_failed(&err, Path::new("the output")))?;
    }
    Ok(plan.diagnostics.is_empty())
}

fn print_plan(plan: &Plan) -> Result<(), Failure> {
    let Limits { max_operations, max_payload_bytes } = plan.limits;
    out!(
        "{} operations in {} chunk(s) (maxOperations {max_operations}, maxPayloadSize {max_payload_bytes} bytes, filled to {} bytes)\n",
        plan.operation_count(),
        plan.chunks.len(),
        plan.limits.budget()
    )?;
    for chunk in &plan.chunks {
        let follow_ups =
            chunk.origins.iter().filter(|o| matches!(o, muster::plan::Origin::CycleFollowUp { .. })).count();
        let mut line = format!(
            "  chunk {}: {} operations, {} bytes, creates {}",
            chunk.index + 1,
            chunk.origins.len(),
            chunk.bytes,
            chunk.creates.len()
        );
        if !chunk.carried.is_empty() {
            line += &format!(", needs ids from earlier chunks for {}", chunk.carried.join(", "));
        }
        if follow_ups > 0 {
            line += &format!(", {follow_ups} follow-up PATCH(es) closing reference cycles");
        }
        out!("{line}\n")?;
    }
    Ok(())
}

fn print_report(file: &Path, report: &Report, unit: &str) -> Result<(), Failure> {
    print_diagnostics(file, report.diagnostics.iter().map(Ok), &mut std::io::stdout())
        .map_err(|err| output_failed(&err, Path::new("the output")))?;
    print_summary(file, report.summary, unit)
}

/// The last line of a report: what was read and how much was found.
fn print_summary(file: &Path, s: muster::Summary, unit: &str) -> Result<(), Failure> {
    out!("{}: {} {unit}, {} error(s), {} warning(s)\n", file.display(), s.rows, s.errors, s.warnings)
}

/// Writes each finding as a line (to stdout, or to stderr beside a converted body).
fn print_diagnostics<D: std::borrow::Borrow<Diagnostic>>(
    file: &Path,
    diagnostics: impl IntoIterator<Item = std::io::Result<D>>,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    use std::io::Write as _;
    // Stderr is unbuffered: a line per write call was a tenth of a 100k-user conversion.
    let mut out = std::io::BufWriter::new(out);
    for d in diagnostics {
        let d = d?;
        let d = d.borrow();
        let severity = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let place = d
            .pointer
            .as_deref()
            .map(|p| if p.is_empty() { " at /".to_owned() } else { format!(" at {p}") })
            .unwrap_or_default();
        writeln!(out, "{}: {severity}[{}]{place}: {}", file.display(), d.code, d.message)?;
    }
    out.flush()
}

fn codes(markdown: bool) -> Result<(), Failure> {
    if markdown {
        return out!("{}", muster::diag::catalogue_markdown());
    }
    for code in muster::Code::ALL {
        let severity = match code.severity() {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        out!("{:<28} {severity:<8} {}\n", code.id(), code.summary())?;
    }
    Ok(())
}
