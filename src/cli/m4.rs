//! `flaskc m4`: GNU m4's command line over [`crate::m4::expand`], with the file system.
//!
//! Options are parsed by hand rather than by clap because GNU m4 accepts option bundles
//! (`-sP`), attached values (`-Dname=v`, `-I.`) and interleaves `-D`/`-U` with files,
//! whose order matters. Exit status is GNU m4's; bad usage exits 2 as elsewhere in flaskc.

use std::ffi::OsString;
use std::io::Write;

use crate::m4::{self, Arg, FileLoader, Options};

/// Reads files from disk and standard input, and runs shell commands when allowed.
struct Disk;

impl FileLoader for Disk {
    fn load(&self, path: &str) -> Option<Vec<u8>> {
        self.load_at_most(path, usize::MAX).ok()
    }

    fn load_at_most(&self, path: &str, limit: usize) -> Result<Vec<u8>, m4::LoadError> {
        crate::io::read_for_m4(std::path::Path::new(path), limit)
    }

    fn run_shell(&self, command: &str) -> Option<(Vec<u8>, i32)> {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(command)
            .stderr(std::process::Stdio::inherit())
            .output()
            .ok()?;
        Some((out.stdout, out.status.code().unwrap_or(127)))
    }
}

/// Why the command line was rejected.
#[derive(Debug, PartialEq, Eq)]
struct Usage(String);

/// Splits GNU m4's command line into options and ordered operands.
fn parse(args: &[String]) -> Result<(Options, Vec<Arg>), Usage> {
    let mut opts = Options::default();
    let mut ops = Vec::new();
    let mut i = 0;
    let mut only_files = false;
    let value = |i: &mut usize, attached: &str, flag: &str| -> Result<String, Usage> {
        if !attached.is_empty() {
            return Ok(attached.to_string());
        }
        *i += 1;
        args.get(*i)
            .cloned()
            .ok_or_else(|| Usage(format!("option requires an argument -- '{flag}'")))
    };
    while i < args.len() {
        let a = args[i].as_str();
        if only_files || a == "-" || !a.starts_with('-') {
            ops.push(Arg::File(a.to_string()));
        } else if a == "--" {
            only_files = true;
        } else if let Some(long) = a.strip_prefix("--") {
            let (name, attached) = long.split_once('=').unwrap_or((long, ""));
            match name {
                "define" => ops.push(define(&value(&mut i, attached, name)?)),
                "undefine" => ops.push(Arg::Undefine(value(&mut i, attached, name)?)),
                "include" => opts.include_dirs.push(value(&mut i, attached, name)?),
                "synclines" => opts.synclines = true,
                "prefix-builtins" => opts.prefix_builtins = true,
                "fatal-warnings" => opts.fatal_warnings += 1,
                "allow-shell" => opts.allow_shell = true,
                "nesting-limit" => opts.nesting_limit = limit(&value(&mut i, attached, name)?)?,
                _ => return Err(Usage(format!("unrecognized option '{a}'"))),
            }
        } else {
            let flags = &a[1..];
            for (k, c) in flags.char_indices() {
                let attached = &flags[k + c.len_utf8()..];
                match c {
                    's' => opts.synclines = true,
                    'P' => opts.prefix_builtins = true,
                    'E' => opts.fatal_warnings += 1,
                    'D' => ops.push(define(&value(&mut i, attached, "D")?)),
                    'U' => ops.push(Arg::Undefine(value(&mut i, attached, "U")?)),
                    'I' => opts.include_dirs.push(value(&mut i, attached, "I")?),
                    'L' => opts.nesting_limit = limit(&value(&mut i, attached, "L")?)?,
                    _ => return Err(Usage(format!("invalid option -- '{c}'"))),
                }
                if matches!(c, 'D' | 'U' | 'I' | 'L') {
                    break;
                }
            }
        }
        i += 1;
    }
    Ok((opts, ops))
}

fn define(spec: &str) -> Arg {
    let (name, value) = spec.split_once('=').unwrap_or((spec, ""));
    Arg::Define(name.to_string(), value.to_string())
}

fn limit(s: &str) -> Result<usize, Usage> {
    match s.parse::<usize>() {
        Ok(0) => Ok(usize::MAX),
        Ok(n) => Ok(n),
        Err(_) => Err(Usage(format!("invalid nesting limit `{s}'"))),
    }
}

/// What `flaskc m4 --help` prints.
const HELP: &str = "\
Expand macros exactly as GNU m4 1.4.19 does (usable as `make M4='flaskc m4'`)

Usage: flaskc m4 [OPTION]... [FILE]...

Files are read in order; `-` (or no file) is standard input. -D and -U apply where they
stand among the files, as in GNU m4.

Options:
  -D, --define=NAME[=VALUE]  define NAME as VALUE (empty by default)
  -U, --undefine=NAME        undefine NAME
  -I, --include=DIRECTORY    search DIRECTORY for included files
  -s, --synclines            generate `#line NUM \"FILE\"' lines
  -P, --prefix-builtins      prefix every builtin with `m4_'
  -E, --fatal-warnings       once: warnings make the exit status 1; twice: stop at the first
  -L, --nesting-limit=N      stop expanding at N nested calls (0: no limit)
      --allow-shell          let syscmd and esyscmd run shell commands (off by default)
      --help                 print this help
      --version              print the version

Exit status: 0 on success, 1 when m4 reported an error, 2 for a bad command line,
the status given to m4exit otherwise.
";

/// Runs `flaskc m4 ARGS...` and returns the exit status.
pub fn run(args: &[OsString]) -> i32 {
    let args: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let options = || args.iter().take_while(|a| *a != "--");
    if options().any(|a| a == "--help") {
        return super::print_text(0, HELP);
    }
    if options().any(|a| a == "--version") {
        return super::print_text(
            0,
            &format!(
                "flaskc m4 {} (GNU m4 1.4.19 compatible)\n",
                env!("CARGO_PKG_VERSION")
            ),
        );
    }
    let (opts, ops) = match parse(&args) {
        Ok(p) => p,
        Err(Usage(msg)) => {
            crate::io::eprintln!("flaskc m4: {msg}");
            return 2;
        }
    };
    let out = m4::expand(&ops, &opts, &Disk);
    let mut stdout = std::io::stdout().lock();
    let wrote = stdout.write_all(&out.output).and_then(|_| stdout.flush());
    crate::io::eprint!("{}", out.messages);
    if let Err(e) = wrote {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return super::EXIT_BROKEN_PIPE;
        }
        crate::io::eprintln!("m4: write error: {e}");
        return 1;
    }
    out.exit_code
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn options_keep_operand_order() {
        let (opts, ops) = parse(&strings(&["-Dx=1", "a", "-U", "x", "-sP", "-I.", "-"])).unwrap();
        assert!(opts.synclines && opts.prefix_builtins);
        assert_eq!(opts.include_dirs, vec![".".to_string()]);
        assert_eq!(
            ops,
            vec![
                Arg::Define("x".into(), "1".into()),
                Arg::File("a".into()),
                Arg::Undefine("x".into()),
                Arg::File("-".into()),
            ]
        );
    }

    #[test]
    fn unknown_options_are_usage_errors() {
        assert!(parse(&strings(&["-Z"])).is_err());
        assert!(parse(&strings(&["-D"])).is_err());
    }
}
