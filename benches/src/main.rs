//! `compare`: genserver side by side with hand-written tokio servers and
//! other actor crates. See `benches/README.md` for what is measured and
//! how to read the table.

mod driver;
mod impls;
mod memory;

use std::process::ExitCode;
use std::sync::atomic::Ordering;

use driver::{Server, Sizes};

const USAGE: &str = "\
usage: compare [--quick] [--rounds N] [--only ROW,..] [--impl NAME,..] [--scale X]
               [--no-warmup] [--in-process] [--workers N]

  --quick        5 rounds and smaller sizes (the default is the full suite)
  --rounds N     rounds per row (default: 5 quick, 7 full)
  --only ROWS    rows to run: call_rtt, call_contended, call_crowd,
                 call_per_task, cast, fan_out, spawn, ping_pong
  --impl NAMES   implementations to run (default: all), see --list
  --scale X      multiply the work sizes by X (not the number of clients)
  --no-warmup    skip the untimed warm-up run before each row
  --in-process   run the spawn/memory/stop row in this process instead of a
                 fresh child per run (for profilers; the memory figure is
                 then polluted by whatever ran before)
  --workers N    tokio worker threads (default 2; another count is for
                 profiling only: the table is defined for 2)
  --list         list rows and implementations

Progress goes to stderr, the markdown table to stdout.";

/// The rows of the table, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Row {
    CallRtt,
    CallContended,
    CallCrowd,
    CallPerTask,
    Cast,
    FanOut,
    Idle,
    PingPong,
}

impl Row {
    const ALL: [Row; 8] = [
        Row::CallRtt,
        Row::CallContended,
        Row::CallCrowd,
        Row::CallPerTask,
        Row::Cast,
        Row::FanOut,
        Row::Idle,
        Row::PingPong,
    ];

    fn name(self) -> &'static str {
        match self {
            Row::CallRtt => "call_rtt",
            Row::CallContended => "call_contended",
            Row::CallCrowd => "call_crowd",
            Row::CallPerTask => "call_per_task",
            Row::Cast => "cast",
            Row::FanOut => "fan_out",
            Row::Idle => "spawn",
            Row::PingPong => "ping_pong",
        }
    }

    fn parse(name: &str) -> Option<Row> {
        match name {
            "memory" | "stop" | "idle" => Some(Row::Idle),
            _ => Row::ALL.into_iter().find(|row| row.name() == name),
        }
    }

    /// Operations one run of this row times (for instruction counts).
    fn ops(self, sizes: Sizes) -> u64 {
        match self {
            Row::CallRtt => sizes.rtt_calls,
            Row::CallContended => sizes.clients * sizes.calls_per_client,
            Row::CallCrowd => sizes.crowd_clients * sizes.crowd_calls_per_client,
            Row::CallPerTask => sizes.one_call_tasks,
            Row::Cast => sizes.casts,
            Row::FanOut => sizes.fan_servers * (sizes.fan_casts + 1),
            Row::Idle => sizes.idle_servers,
            Row::PingPong => sizes.ping_calls,
        }
    }

    /// The lines this row adds to the table: label and unit.
    fn metrics(self, sizes: Sizes) -> Vec<(String, &'static str)> {
        match self {
            Row::CallRtt => vec![("1. call round trip, 1 client".into(), "ns/call")],
            Row::CallContended => vec![(
                format!("2. call throughput, {} clients", sizes.clients),
                "ns/call",
            )],
            Row::CallCrowd => vec![(
                format!("2b. call throughput, {} clients", sizes.crowd_clients),
                "ns/call",
            )],
            Row::CallPerTask => vec![(
                format!(
                    "2c. one call from each of {} short-lived tasks",
                    sizes.one_call_tasks
                ),
                "ns/task",
            )],
            Row::Cast => vec![(
                "3. cast throughput, 1 producer, then 1 call".into(),
                "ns/cast",
            )],
            Row::FanOut => vec![(
                format!(
                    "4. fan-out: {} servers × {} casts, then 1 call each",
                    sizes.fan_servers, sizes.fan_casts
                ),
                "ns/msg",
            )],
            Row::Idle => vec![
                ("5a. spawn, per server".into(), "ns"),
                (
                    format!(
                        "5b. memory per idle server ({} servers)",
                        sizes.idle_servers
                    ),
                    "bytes",
                ),
                ("5c. stop and wait, per server".into(), "ns"),
            ],
            Row::PingPong => vec![(
                "6. ping-pong: a handler calls another server".into(),
                "ns/call",
            )],
        }
    }
}

/// One implementation: its name and its measuring function.
struct Impl {
    name: &'static str,
    /// Runs `row` once in this process; one value per metric of the row.
    measure: fn(Row, Sizes) -> Vec<f64>,
}

impl Impl {
    /// Runs `row` once: row 5 in a child process unless `--in-process`.
    fn run(&self, row: Row, sizes: Sizes, options: &Options) -> Vec<f64> {
        if row == Row::Idle && !options.in_process {
            idle_in_child(self.name, sizes)
        } else {
            (self.measure)(row, sizes)
        }
    }
}

const BASELINE: &str = "tokio_bounded";

const IMPLS: [Impl; 7] = [
    entry::<impls::genserver::Genserver>("genserver"),
    entry::<impls::tokio_bounded::TokioBounded>(BASELINE),
    entry::<impls::tokio_unbounded::TokioUnbounded>("tokio_unbounded"),
    entry::<impls::kameo::Kameo>("kameo"),
    entry::<impls::ractor::Ractor>("ractor"),
    entry::<impls::xtra::Xtra>("xtra"),
    entry::<impls::actix::Actix>("actix"),
];

const fn entry<S: Server>(name: &'static str) -> Impl {
    Impl {
        name,
        measure: measure::<S>,
    }
}

fn measure<S: Server>(row: Row, sizes: Sizes) -> Vec<f64> {
    match row {
        Row::CallRtt => vec![S::run(driver::call_rtt::<S>(sizes))],
        Row::CallContended => vec![S::run(driver::call_contended::<S>(sizes))],
        Row::CallCrowd => vec![S::run(driver::call_crowd::<S>(sizes))],
        Row::CallPerTask => vec![S::run(driver::call_per_task::<S>(sizes))],
        Row::Cast => vec![S::run(driver::cast::<S>(sizes))],
        Row::FanOut => vec![S::run(driver::fan_out::<S>(sizes))],
        Row::PingPong => vec![S::run(driver::ping_pong::<S>(sizes))],
        Row::Idle => {
            let r = S::run(driver::idle::<S>(sizes));
            vec![r.spawn_ns, r.rss_bytes, r.stop_ns]
        }
    }
}

/// Runs row 5 for `name` in a fresh copy of this program, so that the
/// memory it measures is that implementation's alone.
fn idle_in_child(name: &str, sizes: Sizes) -> Vec<f64> {
    let exe = std::env::current_exe().expect("path of this program");
    let output = std::process::Command::new(exe)
        .args([
            "--child-idle",
            name,
            &sizes.idle_servers.to_string(),
            &driver::WORKERS.load(Ordering::Relaxed).to_string(),
        ])
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("run the child process");
    assert!(
        output.status.success(),
        "the child process for {name} failed: {}",
        output.status
    );
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .map(|v| v.parse().expect("a number from the child process"))
        .collect()
}

struct Options {
    quick: bool,
    rounds: usize,
    scale: f64,
    rows: Vec<Row>,
    impls: Vec<&'static Impl>,
    warm_up: bool,
    in_process: bool,
}

fn parse_list<T>(
    value: Option<String>,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Vec<T>, String> {
    let value = value.ok_or("a list is missing after the flag")?;
    value
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| parse(s).ok_or_else(|| format!("unknown name `{s}` (see --list)")))
        .collect()
}

fn find_impl(name: &str) -> Option<&'static Impl> {
    IMPLS.iter().find(|i| i.name == name)
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        quick: false,
        rounds: 0,
        scale: 1.0,
        rows: Row::ALL.to_vec(),
        impls: IMPLS.iter().collect(),
        warm_up: true,
        in_process: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => options.quick = true,
            "--rounds" => {
                options.rounds = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|&n| n > 0)
                    .ok_or("--rounds needs a positive number")?;
            }
            "--scale" => {
                options.scale = args
                    .next()
                    .and_then(|x| x.parse().ok())
                    .filter(|&x: &f64| x > 0.0)
                    .ok_or("--scale needs a positive number")?;
            }
            "--only" => options.rows = parse_list(args.next(), Row::parse)?,
            "--impl" => options.impls = parse_list(args.next(), find_impl)?,
            "--workers" => {
                let workers = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|&n: &usize| n > 0)
                    .ok_or("--workers needs a positive number")?;
                driver::WORKERS.store(workers, Ordering::Relaxed);
            }
            "--no-warmup" => options.warm_up = false,
            "--in-process" => options.in_process = true,
            "--list" => {
                let rows: Vec<_> = Row::ALL.iter().map(|r| r.name()).collect();
                let impls: Vec<_> = IMPLS.iter().map(|i| i.name).collect();
                return Err(format!(
                    "rows: {}\nimpls: {}",
                    rows.join(" "),
                    impls.join(" ")
                ));
            }
            "-h" | "--help" => return Err(USAGE.into()),
            "--bench" => {} // passed by `cargo bench`
            other => return Err(format!("unknown argument `{other}`\n\n{USAGE}")),
        }
    }
    // The table keeps its own row order, whatever the order asked for.
    options.rows = Row::ALL
        .into_iter()
        .filter(|row| options.rows.contains(row))
        .collect();
    if options.rounds == 0 {
        options.rounds = if options.quick { 5 } else { 7 };
    }
    Ok(options)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn format_value(v: f64) -> String {
    if v >= 100.0 {
        let digits = format!("{:.0}", v);
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    } else {
        format!("{v:.1}")
    }
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child-idle") {
        return child_idle(&args[2..]);
    }
    let options = match parse_args() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let sizes = if options.quick {
        Sizes::QUICK
    } else {
        Sizes::FULL
    }
    .scaled(options.scale);
    let impls = options.impls.clone();
    let baseline = impls.iter().position(|i| i.name == BASELINE);

    // lines[k] = (label, unit, values[impl][round])
    let mut lines: Vec<(String, &'static str, Vec<Vec<f64>>)> = Vec::new();
    for &row in &options.rows {
        eprintln!("{}: {} ops per run", row.name(), row.ops(sizes));
        let metrics = row.metrics(sizes);
        let first = lines.len();
        for (label, unit) in metrics {
            lines.push((label, unit, vec![Vec::new(); impls.len()]));
        }
        if options.warm_up && row != Row::Idle {
            for imp in &impls {
                eprintln!("{}: warm-up {}", row.name(), imp.name);
                imp.run(row, sizes.scaled(0.1), &options);
            }
        }
        for round in 0..options.rounds {
            for (k, imp) in impls.iter().enumerate() {
                let values = imp.run(row, sizes, &options);
                let shown: Vec<_> = values.iter().map(|v| format_value(*v)).collect();
                eprintln!(
                    "{}: round {}/{} {}: {}",
                    row.name(),
                    round + 1,
                    options.rounds,
                    imp.name,
                    shown.join(" ")
                );
                for (m, v) in values.into_iter().enumerate() {
                    lines[first + m].2[k].push(v);
                }
            }
        }
    }

    println!(
        "{} rounds, {} sizes; {} CPUs ({}); medians, and in brackets the median over rounds of the ratio to {} in the same round (lower is better)\n",
        options.rounds,
        if options.quick { "quick" } else { "full" },
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        cpu_model(),
        BASELINE,
    );
    let mut header = String::from("| scenario | unit |");
    let mut rule = String::from("|---|---|");
    for imp in &impls {
        header.push_str(&format!(" {} |", imp.name));
        rule.push_str("---:|");
    }
    println!("{header}\n{rule}");
    let mut ranges = Vec::new();
    for (label, unit, mut values) in lines {
        let mut line = format!("| {label} | {unit} |");
        let mut range = format!("| {label} |");
        let base = baseline.map(|b| values[b].clone());
        for per_impl in &mut values {
            let mut ratios: Vec<f64> = match &base {
                Some(base) => per_impl.iter().zip(base).map(|(v, b)| v / b).collect(),
                None => Vec::new(),
            };
            let value = format_value(median(per_impl));
            if !ratios.is_empty() && ratios.iter().all(|r| r.is_finite()) {
                let r = median(&mut ratios);
                line.push_str(&format!(" {value} ({r:.2}x) |"));
                let (lo, hi) = (ratios[0], ratios[ratios.len() - 1]);
                range.push_str(&format!(" {lo:.2}–{hi:.2} |"));
            } else {
                line.push_str(&format!(" {value} |"));
                range.push_str(" – |");
            }
        }
        println!("{line}");
        ranges.push(range);
    }
    if baseline.is_some() && options.rounds > 1 {
        println!("\nLowest and highest ratio to {BASELINE} over the rounds:\n");
        println!("{}", header.replacen(" unit |", "", 1));
        println!("{}", rule.replacen("---|", "", 1));
        for range in ranges {
            println!("{range}");
        }
    }
    ExitCode::SUCCESS
}

/// The child side of row 5: `--child-idle NAME SERVERS WORKERS`; prints
/// the row's values on one line.
fn child_idle(args: &[String]) -> ExitCode {
    let (Some(imp), Some(servers), Some(workers)) = (
        args.first().and_then(|n| find_impl(n)),
        args.get(1).and_then(|n| n.parse().ok()),
        args.get(2).and_then(|n| n.parse().ok()),
    ) else {
        eprintln!("usage: compare --child-idle NAME SERVERS WORKERS");
        return ExitCode::from(2);
    };
    driver::WORKERS.store(workers, Ordering::Relaxed);
    let sizes = Sizes {
        idle_servers: servers,
        ..Sizes::QUICK
    };
    let values: Vec<String> = (imp.measure)(Row::Idle, sizes)
        .iter()
        .map(f64::to_string)
        .collect();
    println!("{}", values.join(" "));
    ExitCode::SUCCESS
}
