//! Bad input and hostile environments: every command ends with a clear error in bounded
//! memory, never a panic, never a stray file (`docs/limits.md`).

mod common;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn policy() -> PathBuf {
    root().join("tests/policies/xen_minimal.30.bin")
}

fn conf() -> PathBuf {
    root().join("tests/policies/xen_minimal.conf")
}

/// flaskc under a 512 MiB address-space limit, so that running out of memory would
/// show as a kill or a panic rather than pass unnoticed.
fn limited(args: &[&str]) -> Output {
    let mut c = Command::new("prlimit");
    c.arg(format!("--as={}", 512u64 << 20))
        .arg(env!("CARGO_BIN_EXE_flaskc"))
        .args(args);
    c.output().expect("prlimit runs")
}

fn flaskc() -> Command {
    Command::new(env!("CARGO_BIN_EXE_flaskc"))
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs `c` with `input` on standard input, after `close` has dropped what it will of the
/// child's pipes: flaskc reads all of its input before it writes, so a pipe closed here
/// is one whose reader has gone before flaskc writes.
fn fed(c: &mut Command, input: &[u8], close: impl FnOnce(&mut Child)) -> Output {
    let mut child = c.stdin(Stdio::piped()).spawn().expect("flaskc runs");
    close(&mut child);
    let mut stdin = child.stdin.take().expect("stdin");
    let _ = stdin.write_all(input);
    drop(stdin);
    child.wait_with_output().expect("flaskc ends")
}

/// Runs flaskc with `input` on standard input and its standard output a pipe whose
/// reader has gone before flaskc writes.
fn with_closed_stdout(args: &[&str], input: &[u8]) -> Output {
    let mut c = flaskc();
    c.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    fed(&mut c, input, |child| drop(child.stdout.take()))
}

#[test]
fn a_full_standard_output_is_an_error_not_a_panic() {
    let p = policy();
    let p = p.to_str().unwrap();
    let c = conf();
    for args in [
        &["info", p][..],
        &["search", p, "-A"],
        &["diff", p, p],
        &["label-device", "--policy", p, "--irq", "1"],
        &["checkpolicy", "-V"],
        &["checkpolicy", "-t", "xen", c.to_str().unwrap(), "-o", "-"],
        &["--help"],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full");
        let out = flaskc().args(args).stdout(full).output().unwrap();
        let err = stderr(&out);
        assert!(
            err.contains("flaskc: error writing standard output: No space left on device"),
            "{args:?}: {err}"
        );
        assert!(matches!(out.status.code(), Some(1 | 2)), "{args:?}");
    }
}

#[test]
fn a_closed_pipe_ends_quietly_with_status_141() {
    let bin = std::fs::read(policy()).unwrap();
    let c = std::fs::read(conf()).unwrap();
    let log = std::fs::read(root().join("tests/explain/starter.log")).unwrap();
    let p = policy();
    let p = p.to_str().unwrap();
    for (args, input) in [
        (&["info", "-"][..], &bin),
        (&["checkpolicy", "-b", "-F", "-", "-o", "-"], &bin),
        (&["checkpolicy", "-t", "xen", "-", "-o", "-"], &c),
        (&["explain", "--policy", p, "-"], &log),
        (&["audit2allow", "--policy", p], &log),
        (&["m4", "-"], &c),
    ] {
        let out = with_closed_stdout(args, input);
        assert_eq!(out.status.code(), Some(141), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            !err.contains("error writing") && !err.contains("panicked"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn endless_inputs_are_refused_in_bounded_memory() {
    let p = policy();
    let p = p.to_str().unwrap();
    let bad_magic = "bad magic 0x00000000: not a kernel policy";
    for (args, code, message) in [
        (&["info", "/dev/zero"][..], 1, bad_magic),
        (&["search", "/dev/zero", "-A"], 1, bad_magic),
        (&["checkpolicy", "-b", "/dev/zero"], 1, bad_magic),
        (
            &["checkpolicy", "-t", "xen", "/dev/zero"],
            2,
            "/dev/zero: not a text file (a NUL byte at offset 0)",
        ),
        (&["check", "/dev/zero"], 2, "not a text file"),
        (
            &["explain", "--policy", "/dev/zero", "/dev/null"],
            1,
            bad_magic,
        ),
        (
            &["audit2allow", "--policy", "/dev/zero", "/dev/null"],
            1,
            bad_magic,
        ),
        (
            &["label-device", "--policy", "/dev/zero", "--irq", "1"],
            1,
            bad_magic,
        ),
        (
            &["check-guest", "--policy", "/dev/zero", "/dev/null"],
            1,
            bad_magic,
        ),
        (
            &["check-guest", "--policy", p, "/dev/zero"],
            2,
            "/dev/zero: not a text file (a NUL byte at offset 0)",
        ),
    ] {
        let out = limited(args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
    }
}

#[test]
fn inputs_over_the_size_limit_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big");
    let f = std::fs::File::create(&big).unwrap();
    // Sparse: no disk space is used.
    f.set_len(flaskc::io::MAX_INPUT_BYTES + 1).unwrap();
    let b = big.to_str().unwrap();
    let out = limited(&["checkpolicy", "-t", "xen", b]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("big: larger than 1024 MiB, the limit for an input file"),
        "{}",
        stderr(&out)
    );
    let out = limited(&["info", b]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("larger than 1024 MiB"));
}

#[test]
fn a_binary_xl_config_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("latin1.cfg");
    std::fs::write(&cfg, b"name = \"caf\xe9\"\n").unwrap();
    let p = policy();
    let out = flaskc()
        .args(["check-guest", "--policy"])
        .arg(&p)
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("xen_minimal.30.bin: not a text file (a NUL byte at offset"));
    let out = flaskc()
        .args(["check-guest", "--policy"])
        .arg(&p)
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("latin1.cfg: not a text file (invalid UTF-8 at offset 11)"));
}

/// Compiles the minimal policy to `out`; the exit code and standard error.
fn compile_to(out: &Path) -> (Option<i32>, String) {
    let o = flaskc()
        .args(["checkpolicy", "-t", "xen"])
        .arg(conf())
        .arg("-o")
        .arg(out)
        .output()
        .unwrap();
    (o.status.code(), stderr(&o))
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_device_output_is_written_into_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let null = dir.path().join("null");
    let made = Command::new("mknod")
        .arg(&null)
        .args(["c", "1", "3"])
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        println!("skipped: cannot mknod (not root?)");
        return;
    }
    assert_eq!(compile_to(&null), (Some(0), String::new()));
    let meta = std::fs::metadata(&null).unwrap();
    assert!(!meta.is_file(), "the device was replaced by a file");
    assert_eq!(names(dir.path()), ["null"]);
}

#[test]
fn a_fifo_output_is_written_into() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    assert_eq!(compile_to(&fifo), (Some(0), String::new()));
    let got = reader.join().unwrap();
    let want = std::fs::read(root().join("tests/policies/xen_minimal.30.bin")).unwrap();
    assert_eq!(got, want);
    assert_eq!(names(dir.path()), ["fifo"]);
}

#[test]
fn a_symlink_output_is_written_through() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real");
    let link = dir.path().join("link");
    std::fs::write(&real, "old").unwrap();
    std::os::unix::fs::symlink("real", &link).unwrap();
    assert_eq!(compile_to(&link), (Some(0), String::new()));
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        std::fs::read(&real).unwrap(),
        std::fs::read(policy()).unwrap()
    );
    // A dangling link is refused, as cp refuses it.
    let dangling = dir.path().join("dangling");
    std::os::unix::fs::symlink("nowhere", &dangling).unwrap();
    let (code, err) = compile_to(&dangling);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("not writing through a dangling symbolic link"),
        "{err}"
    );
    assert_eq!(names(dir.path()), ["dangling", "link", "real"]);
}

#[test]
fn write_errors_do_not_name_temporaries() {
    let dir = tempfile::tempdir().unwrap();
    let (code, err) = compile_to(&dir.path().join("missing/out"));
    assert_eq!(code, Some(1));
    assert!(
        err.contains("missing/out: No such file or directory"),
        "{err}"
    );
    assert!(!err.contains(".flaskc"), "{err}");
}

#[test]
fn killed_builds_leave_nothing_and_stale_temporaries_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    // What a run killed before this fix left (no process has id 2147483647).
    let stale = dir.path().join(".flaskc-2147483647-0123456789abcdef");
    std::fs::write(&stale, "partial").unwrap();
    let out = dir.path().join("xenpolicy");
    for delay_ms in [0, 20, 100] {
        let mut child = flaskc()
            .current_dir(root())
            .args(["build", "policy", "-o"])
            .arg(&out)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        child.kill().unwrap();
        child.wait().unwrap();
        // Either nothing or the whole policy, never a temporary.
        let left: Vec<String> = names(dir.path())
            .into_iter()
            .filter(|n| n.starts_with(".flaskc-") && !n.contains("2147483647"))
            .collect();
        assert_eq!(left, Vec::<String>::new());
    }
    let st = flaskc()
        .current_dir(root())
        .args(["build", "policy", "-o"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(st.success());
    assert_eq!(names(dir.path()), ["xenpolicy"]);
}

#[test]
fn a_long_log_of_repeated_lines_is_read_as_a_stream() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("repeated.log");
    let line = "(XEN) avc:  denied  { send } for  source=d3 target=d0 \
                scontext=system_u:system_r:domU_t tcontext=system_u:system_r:dom0_t tclass=event\n";
    let n = (100 << 20) / line.len();
    std::fs::write(&log, line.repeat(n)).unwrap();
    let p = policy();
    // Held whole, this log took more than 600 MB.
    let out = limited(&[
        "explain",
        "--policy",
        p.to_str().unwrap(),
        log.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("99, 100 and {} more)", n - 100)),
        "{}",
        &text[..text.len().min(2000)]
    );
}

#[test]
fn a_log_line_naming_many_permissions_is_read_in_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("wide.log");
    let perms: Vec<String> = (0..120_000).map(|i| format!("p{i}")).collect();
    std::fs::write(
        &log,
        format!(
            "avc: denied {{ {} }} for scontext=system_u:system_r:domU_t \
             tcontext=system_u:system_r:dom0_t tclass=event\n",
            perms.join(" ")
        ),
    )
    .unwrap();
    let p = policy();
    for cmd in ["explain", "audit2allow"] {
        let out = limited(&[cmd, "--policy", p.to_str().unwrap(), log.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{cmd}: {}", stderr(&out));
    }
}

#[test]
fn an_overlong_log_line_is_refused_with_its_number() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("long.log");
    let mut text = b"noise\n".to_vec();
    text.extend(std::iter::repeat_n(
        b'x',
        flaskc::io::MAX_LOG_LINE_BYTES + 1,
    ));
    std::fs::write(&log, text).unwrap();
    let p = policy();
    let p = p.to_str().unwrap();
    for l in [log.to_str().unwrap(), "/dev/zero"] {
        let out = limited(&["explain", "--policy", p, l]);
        assert_eq!(out.status.code(), Some(2));
        let line = if l == "/dev/zero" { 1 } else { 2 };
        assert!(
            stderr(&out).contains(&format!(
                "line {line} is longer than 1 MiB, the limit for a log line"
            )),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn many_guests_are_related_in_bounded_time_and_memory() {
    let dir = tempfile::tempdir().unwrap();
    let bin = common::build_starter(dir.path());
    // One domain per config, as xl starts them: 10,000 guests that may all talk to
    // each other, about 10^8 related pairs.
    let n = 10_000;
    let cfgs: Vec<String> = (0..n)
        .map(|i| {
            let cfg = dir.path().join(format!("g{i}.cfg"));
            std::fs::write(&cfg, "seclabel = 'system_u:system_r:domU_t'\n").unwrap();
            cfg.to_str().unwrap().to_string()
        })
        .collect();
    let mut args = vec!["check-guest", "--policy", bin.to_str().unwrap()];
    args.extend(cfgs.iter().map(String::as_str));
    let out = limited(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let listed = flaskc::guest::MAX_RELATIONS;
    let err = stderr(&out);
    let left: usize = err
        .split("note: ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("{err}"));
    assert!(left + listed >= n * (n - 1), "{err}");
    assert!(
        err.contains(&format!(
            "more related pairs of domains are not listed (at most {listed} are)"
        )),
        "{err}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.lines().filter(|l| l.contains(" -> ")).count(),
        listed
    );
}

/// `include` of an endless file stops at m4's memory limit, through the real loaders of
/// `flaskc m4` and `flaskc build`, under a 1 GiB address-space limit.
#[test]
fn an_endless_include_stops_at_the_m4_memory_limit() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("zero.m4");
    std::fs::write(&file, "include(`/dev/zero')\n").unwrap();
    let out = Command::new("prlimit")
        .arg(format!("--as={}", 1u64 << 30))
        .arg(env!("CARGO_BIN_EXE_flaskc"))
        .arg("m4")
        .arg(&file)
        .output()
        .expect("prlimit runs");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("exceeds the m4 memory limit"),
        "{}",
        stderr(&out)
    );
}

/// `m4exit` in a module stops `flaskc build` with an error at its line, not silently.
#[test]
fn m4exit_in_a_build_is_reported_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("policy");
    common::copy_tree(&root().join("policy"), &tree);
    let te = tree.join("modules/domU.te");
    let mut text = std::fs::read_to_string(&te).unwrap();
    text.push_str("m4exit(255)\n");
    std::fs::write(&te, &text).unwrap();
    let out = flaskc()
        .arg("build")
        .arg(&tree)
        .arg("-o")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let line = text.lines().count();
    let err = stderr(&out);
    assert!(err.contains("error[m4exit]"), "{err}");
    assert!(err.contains(&format!("modules/domU.te:{line}:1")), "{err}");
    assert!(!dir.path().join("out").exists());
}

/// A policy.conf that is not UTF-8 is refused, not silently changed (a genfscon path of
/// other bytes would otherwise reach the binary as U+FFFD).
#[test]
fn a_policy_that_is_not_utf8_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = std::fs::read(conf()).unwrap();
    text.extend_from_slice(b"# \xff\xfe\n");
    let input = dir.path().join("p.conf");
    std::fs::write(&input, text).unwrap();
    let out = flaskc()
        .args(["checkpolicy", "-t", "xen", "-o"])
        .arg(dir.path().join("out"))
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("invalid UTF-8"), "{}", stderr(&out));
    assert!(!dir.path().join("out").exists());
}

#[test]
fn a_read_only_output_is_refused_as_checkpolicy_refuses_it() {
    // As root every file is writable: the run drops to `nobody` with util-linux's setpriv.
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let input = dir.path().join("p.conf");
    std::fs::copy(conf(), &input).unwrap();
    let out = dir.path().join("out");
    std::fs::write(&out, "old").unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o444)).unwrap();
    let as_nobody = Command::new("setpriv")
        .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_flaskc"))
        .args(["compile", "-t", "xen"])
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .output();
    let Ok(o) = as_nobody else {
        eprintln!("SKIPPED: setpriv (util-linux) is not installed");
        return;
    };
    if stderr(&o).contains("setpriv:") {
        eprintln!("SKIPPED: cannot drop privileges: {}", stderr(&o));
        return;
    }
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("permission denied"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "old");
}

/// Where standard error goes in [`an_unwritable_standard_error_is_no_panic`].
#[derive(Debug, Clone, Copy)]
enum Stderr {
    /// `/dev/full`, opened as a redirection target (writes fail with ENOSPC).
    Full,
    /// A pipe whose reader has gone before flaskc writes (writes fail with EPIPE).
    ClosedPipe,
}

/// Runs flaskc with `input` on standard input, standard output discarded and standard
/// error as `how` says.
fn with_bad_stderr(args: &[&str], input: &[u8], how: Stderr) -> Output {
    let mut c = flaskc();
    c.args(args).stdout(Stdio::null());
    match how {
        Stderr::Full => {
            let full = std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .expect("/dev/full");
            c.stderr(full);
        }
        Stderr::ClosedPipe => {
            c.stderr(Stdio::piped());
        }
    }
    fed(&mut c, input, |child| drop(child.stderr.take()))
}

#[test]
fn an_unwritable_standard_error_is_no_panic() {
    let p = policy();
    let p = p.to_str().unwrap();
    let bad_conf = b"class x\nclass x\n".to_vec();
    let log = b"(XEN) avc: denied { bogus\n".to_vec();
    let m4 = b"errprint(`a message')dnl\n".to_vec();
    // (arguments, input, status with a working standard error).
    let conf = std::fs::read(conf()).unwrap();
    let cases: [(&[&str], Vec<u8>, i32); 6] = [
        (&["m4", "-"], m4, 0),
        (&["compile", "-v", "-t", "xen", "-", "-o", "-"], conf, 0),
        (&["explain", "--policy", p, "-"], log, 1),
        (
            &["checkpolicy", "-t", "xen", "-", "-o", "-"],
            bad_conf.clone(),
            1,
        ),
        (
            &["check", "-t", "xen", "/nonexistent/policy.conf"],
            Vec::new(),
            2,
        ),
        (&["info", "-"], bad_conf, 1),
    ];
    for (args, input, ok) in &cases {
        let mut c = flaskc();
        c.args(*args).stdout(Stdio::null()).stderr(Stdio::piped());
        let normal = fed(&mut c, input, |_| {});
        assert_eq!(
            normal.status.code(),
            Some(*ok),
            "{args:?}: {}",
            stderr(&normal)
        );
        assert!(!normal.stderr.is_empty(), "{args:?} writes a message");
        for how in [Stderr::Full, Stderr::ClosedPipe] {
            let out = with_bad_stderr(args, input, how);
            // A failure keeps its status; a success says that its messages were lost, as
            // GNU m4 does: 1 for a write error, 141 (128 + SIGPIPE) for a closed pipe.
            let want = match (ok, how) {
                (0, Stderr::Full) => 1,
                (0, Stderr::ClosedPipe) => 141,
                (code, _) => *code,
            };
            assert_eq!(out.status.code(), Some(want), "{args:?} with {how:?}");
        }
    }
}

/// A policy.conf of 8 MiB or more is read and parsed in pieces; what comes out (the
/// binary, or the diagnostics of a mistake, or the refusal of a text that is not UTF-8)
/// is what the same text read whole from standard input gives.
#[test]
fn a_large_file_read_in_pieces_compiles_as_one_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("class xen\nsid xen\nclass xen { read write }\ntype hyp_t;\n");
    let comment = "# a comment long enough to make the file large ".repeat(6);
    for i in 0..30_000 {
        text.push_str(&format!(
            "{comment}{i}\ntype t{i}_t;\nallow hyp_t t{i}_t : xen {{ read\n write }};\n"
        ));
    }
    text.push_str(
        "role sys_r;\nrole sys_r types hyp_t;\nuser sys_u roles sys_r;\nsid xen sys_u:sys_r:hyp_t\n",
    );
    assert!(text.len() >= 9 << 20);
    let run = |name: &str, text: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let from_file = flaskc()
            .args(["checkpolicy", "-t", "xen", "-c", "30", "-o", "-"])
            .arg(&path)
            .output()
            .unwrap();
        let mut c = flaskc();
        c.args(["checkpolicy", "-t", "xen", "-c", "30", "-o", "-", "-"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let from_stdin = fed(&mut c, text, |_| {});
        let shown = path.display().to_string();
        let stdin_err = stderr(&from_stdin).replace("standard input", &shown);
        assert_eq!(from_file.status.code(), from_stdin.status.code(), "{name}");
        assert_eq!(from_file.stdout, from_stdin.stdout, "{name}");
        assert_eq!(stderr(&from_file), stdin_err, "{name}");
        from_file
    };
    let out = run("good.conf", text.as_bytes());
    assert!(out.status.success() && out.stdout.len() > 1 << 20);
    let broken = text.replacen("type t29990_t;", "type t29990_t", 1);
    let out = run("broken.conf", broken.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("broken.conf:"), "{}", stderr(&out));
    let late = text.replacen("type t29990_t;", "type t29990_t;\nclass late", 1);
    assert_eq!(run("late.conf", late.as_bytes()).status.code(), Some(1));
    let mut latin1 = text.into_bytes();
    let at = latin1.len() - 200;
    latin1[at] = 0xe9;
    let out = run("latin1.conf", &latin1);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(&format!("invalid UTF-8 at offset {at}")));
}
