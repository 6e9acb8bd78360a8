//! How the compiling subcommands (`build`, `check`, `compile`) report: the message format,
//! colour, `--quiet` and `-v`.
//!
//! Human-readable text goes to standard error; the machine formats (JSON lines, SARIF,
//! GitHub workflow commands) go to standard output, where CI steps read them.

use crate::diag::{self, sarif::SarifLog, Diagnostic, Severity};
use crate::io::StdStream;
use crate::project::Timings;
use crate::source::SourceMap;
use clap::{Args, ValueEnum};
use std::io::IsTerminal;

/// How diagnostics are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum MessageFormat {
    /// Rendered text with source excerpts, on standard error.
    Human,
    /// One JSON object per diagnostic and line, on standard output.
    Json,
    /// One SARIF 2.1.0 log, on standard output.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=...::`), on standard output.
    Github,
}

/// When to colour the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Color {
    /// When standard error is a terminal and `NO_COLOR` is not set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// The reporting flags shared by the compiling subcommands (the default: text,
/// coloured on a terminal).
#[derive(Debug, Clone, Args)]
pub(crate) struct ReportArgs {
    /// How to print diagnostics.
    #[arg(long = "message-format", value_enum, default_value = "human")]
    pub message_format: MessageFormat,
    /// When to colour diagnostics.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: Color,
    /// Print errors only.
    #[arg(short = 'q', long, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print how long each stage took.
    #[arg(short = 'v', long)]
    pub verbose: bool,
}

impl Default for ReportArgs {
    fn default() -> ReportArgs {
        ReportArgs {
            message_format: MessageFormat::Human,
            color: Color::Auto,
            quiet: false,
            verbose: false,
        }
    }
}

impl ReportArgs {
    /// Refuses (after a message; the exit code) a binary written to standard output when
    /// the diagnostics take it.
    pub(crate) fn leaves_stdout_to(&self, output: Option<&std::path::Path>) -> Result<(), i32> {
        if self.message_format != MessageFormat::Human && output.is_some_and(crate::io::is_std) {
            crate::io::eprintln!(
                "flaskc: the binary cannot go to standard output: the diagnostics do"
            );
            return Err(2);
        }
        Ok(())
    }
}

/// Prints the diagnostics of one or more compiles as the flags ask.
pub(crate) struct Reporter {
    args: ReportArgs,
    color: bool,
    sarif: SarifLog,
}

impl Reporter {
    /// A reporter for these flags; colour decided from the flag, `NO_COLOR` and whether
    /// standard error is a terminal.
    pub(crate) fn new(args: &ReportArgs) -> Reporter {
        let color = match args.color {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stderr().is_terminal()
            }
        };
        Reporter {
            args: args.clone(),
            color,
            sarif: SarifLog::default(),
        }
    }

    /// Prints (or, for SARIF, keeps) the diagnostics of one compile.
    pub(crate) fn report(&mut self, map: &SourceMap, diags: &[Diagnostic]) {
        let kept: Vec<Diagnostic>;
        let diags = if self.args.quiet {
            kept = diags
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .cloned()
                .collect();
            &kept[..]
        } else {
            diags
        };
        match self.args.message_format {
            MessageFormat::Human => {
                let text = diag::render_styled(diags, map, self.color);
                crate::io::write_std(StdStream::Err, text.as_bytes());
            }
            MessageFormat::Json => {
                let lines: String = diags
                    .iter()
                    .map(|d| format!("{}\n", diag::to_json(d, map)))
                    .collect();
                crate::io::write_std(StdStream::Out, lines.as_bytes());
            }
            MessageFormat::Github => {
                let lines: String = diags
                    .iter()
                    .map(|d| format!("{}\n", diag::github::to_github(d, map)))
                    .collect();
                crate::io::write_std(StdStream::Out, lines.as_bytes());
            }
            MessageFormat::Sarif => self.sarif.add(map, diags),
        }
    }

    /// Prints a compile's stage timings with `-v`.
    pub(crate) fn timings(&self, what: &str, timings: &Timings) {
        if !self.args.verbose {
            return;
        }
        let stages: Vec<String> = timings
            .0
            .iter()
            .map(|(stage, d)| format!("{stage} {:.1} ms", d.as_secs_f64() * 1e3))
            .collect();
        let total: f64 = timings.0.iter().map(|(_, d)| d.as_secs_f64()).sum();
        crate::io::eprintln!(
            "flaskc: {what}: {} (total {:.1} ms)",
            stages.join(", "),
            total * 1e3
        );
    }

    /// Ends the report: writes the SARIF log if that is the format.
    pub(crate) fn finish(&mut self) {
        if self.args.message_format == MessageFormat::Sarif {
            let log = std::mem::take(&mut self.sarif).finish();
            crate::io::write_std(StdStream::Out, format!("{log:#}\n").as_bytes());
        }
    }
}
