//! `POST /jobs`: a spreadsheet (CSV, TSV, XLSX, ODS) in the body becomes a job. The core reads,
//! maps and checks it; any error is a 400 listing the findings by row and column (the first
//! thousand, and how many there are in all); a clean sheet
//! is planned for the tenant's upstream and run like any bulk job, keeping the file for the
//! results report (`GET /jobs/{id}/results` with `Accept: text/csv`).

use crate::auth::{Kind, Tenant};
use crate::error::{ApiError, LISTED_FINDINGS};
use crate::jobs;
use muster::Format;
use muster::records::columns::Profile;
use muster::sheet::ReadOptions;
use muster::spreadsheet::SheetOptions;
use worker::{Request, Response, RouteContext};

/// Spreadsheets above this are refused (KV values may be 25 MiB; the job keeps the file).
const MAX_SHEET_BYTES: usize = 20 * 1024 * 1024;
/// Mapped cells (rows × mapped columns) a job is built from. The body to plan is held as JSON
/// values, about 500 bytes of wasm memory a cell (the npm build's `checkSheet` of 25,000 rows of
/// 15 columns grew its memory by 184 MiB), and an isolate has 128 MB for every request it serves:
/// past this, the isolate would be reset, failing other requests in flight on it.
const MAX_SHEET_CELLS: u64 = 100_000;

pub(crate) async fn post_job(mut req: Request, rc: RouteContext<()>, tenant: Tenant) -> Result<Response, ApiError> {
    // The body is read before any refusal (see `body`).
    let bytes = crate::body::read_up_to(&mut req, MAX_SHEET_BYTES).await?;
    let options = sheet_options(&req, &tenant)?;
    let bytes = bytes.map_err(|size| {
        ApiError::TooLarge(format!(
            "The file is {size} bytes; jobs take spreadsheets up to {MAX_SHEET_BYTES} bytes. Split it into several files."
        ))
    })?;
    // Checked first for the report alone (in flat memory), so a sheet of any size gets its
    // findings, and one too big to build a body from is refused before its body is built.
    let (report, size) =
        muster::spreadsheet::measure(&bytes, &options, LISTED_FINDINGS).map_err(ApiError::BadRequest)?;
    if !report.valid {
        return Err(ApiError::Invalid(report));
    }
    if size.mapped_cells() > MAX_SHEET_CELLS {
        let most_rows = MAX_SHEET_CELLS / (size.mapped_columns.max(1) as u64);
        return Err(ApiError::TooLarge(format!(
            "The sheet has {} rows of {} mapped columns ({} cells); a job takes up to {MAX_SHEET_CELLS} cells, which is what the Worker can build in its memory. Split it into files of at most {most_rows} rows.",
            size.rows,
            size.mapped_columns,
            size.mapped_cells()
        )));
    }
    let check = muster::spreadsheet::check(&bytes, &options).map_err(ApiError::BadRequest)?;
    if !check.report.valid {
        return Err(ApiError::Invalid(check.report));
    }
    let body = check.body.ok_or_else(|| ApiError::Internal("a valid sheet without a body".to_owned()))?;
    let (plan, dialect) = match options.target {
        Format::JumpcloudCreate => {
            (muster::plan::plan_jumpcloud(body, tenant.upstream.limits()), jobs::Dialect::JumpcloudCreate)
        }
        Format::JumpcloudUpdate => {
            (muster::plan::plan_jumpcloud(body, tenant.upstream.limits()), jobs::Dialect::JumpcloudUpdate)
        }
        _ => (muster::plan::plan(body, tenant.upstream.limits()), jobs::Dialect::Scim),
    };
    if let Some(problem) = plan.diagnostics.first() {
        return Err(ApiError::TooLarge(problem.message.clone()));
    }
    let key = req.headers().get("idempotency-key")?;
    let submission = jobs::Submission {
        plan,
        operations: check.report.summary.rows,
        dialect,
        sheet: Some((&bytes, &options)),
        jumpcloud: None,
    };
    let job = jobs::create_once(&rc.env, &tenant, key.as_deref(), submission).await?;
    jobs::accepted(&job)
}

/// From the query (`target`, `filename`, `sheet`, `headerRow`, `encoding`) and the optional
/// `x-muster-mapping` header (a saved mapping profile, JSON).
fn sheet_options(req: &Request, tenant: &Tenant) -> Result<SheetOptions, ApiError> {
    let url = req.url()?;
    let mut read = ReadOptions::default();
    let kind = tenant.upstream.kind;
    let mut target = match kind {
        Kind::Scim => Format::Scim,
        Kind::Oracle => Format::Oracle,
        Kind::Jumpcloud => Format::JumpcloudCreate,
    };
    for (key, value) in url.query_pairs() {
        match key.as_ref() {
            "target" => {
                // The target must be a dialect the tenant's upstream speaks.
                let allowed: &[Format] = match kind {
                    Kind::Scim | Kind::Oracle => &[Format::Scim, Format::Oracle],
                    Kind::Jumpcloud => &[Format::JumpcloudCreate, Format::JumpcloudUpdate],
                };
                target = Format::parse(&value).filter(|f| allowed.contains(f)).ok_or_else(|| {
                    let names: Vec<&str> = allowed.iter().map(|f| f.name()).collect();
                    ApiError::BadRequest(format!(
                        "target must be {} for this API key's upstream, not \"{value}\"",
                        names.join(" or ")
                    ))
                })?;
            }
            "filename" => read.filename = Some(value.into_owned()),
            "sheet" => read.sheet = Some(value.into_owned()),
            "encoding" => read.encoding = Some(value.into_owned()),
            "headerRow" => {
                let row = value.parse::<u64>().ok().filter(|&r| r >= 1);
                read.header_row = Some(
                    row.ok_or_else(|| ApiError::BadRequest("headerRow must be a row number, 1 or more".to_owned()))?,
                );
            }
            _ => {}
        }
    }
    let profile = match req.headers().get("x-muster-mapping")? {
        Some(json) => Some(
            serde_json::from_str::<Profile>(&json)
                .map_err(|err| ApiError::BadRequest(format!("x-muster-mapping is not a mapping profile: {err}")))?,
        ),
        None => None,
    };
    Ok(SheetOptions { read, profile, target })
}
