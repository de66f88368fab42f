//! The native CLI: files and arguments in, the core's report out. The only code that prints or exits.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Validate and transform bulk user-provisioning payloads.
#[derive(Parser)]
#[command(name = "muster", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a SCIM 2.0 bulk request. Exit 0 when valid, 1 when not, 2 on usage or I/O errors.
    Validate {
        file: PathBuf,
        /// Print the report as JSON: {"valid", "summary", "diagnostics"}.
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

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Validate { file, json } => validate(&file, json),
        Command::Codes { markdown } => {
            if markdown {
                print!("{}", muster::diag::catalogue_markdown());
            } else {
                for code in muster::Code::ALL {
                    println!("{:<24} {}", code.id(), code.summary());
                }
            }
            ExitCode::SUCCESS
        }
    }
}

fn validate(file: &PathBuf, json: bool) -> ExitCode {
    let bytes = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(err) => {
            eprintln!("muster: cannot read {}: {err}", file.display());
            return ExitCode::from(2);
        }
    };
    let report = muster::validate_scim_bulk(&bytes);
    if json {
        match serde_json::to_string_pretty(&report) {
            Ok(text) => println!("{text}"),
            Err(err) => {
                eprintln!("muster: cannot render the report: {err}");
                return ExitCode::from(2);
            }
        }
    } else {
        for d in &report.diagnostics {
            let place = d
                .pointer
                .as_deref()
                .map(|p| format!(" at {p}"))
                .unwrap_or_default();
            println!(
                "{}: {}[{}]{place}: {}",
                file.display(),
                severity(d.severity),
                d.code,
                d.message
            );
        }
        let s = report.summary;
        println!(
            "{} operations, {} errors, {} warnings",
            s.rows, s.errors, s.warnings
        );
    }
    if report.valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn severity(s: muster::Severity) -> &'static str {
    match s {
        muster::Severity::Error => "error",
        muster::Severity::Warning => "warning",
    }
}
