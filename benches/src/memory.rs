//! Resident memory of this process, as Linux reports it.

/// `VmRSS` from `/proc/self/status`, in bytes.
///
/// # Panics
///
/// When the file or the line is missing (not Linux).
pub fn vm_rss_bytes() -> u64 {
    let status =
        std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status (Linux only)");
    let line = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .expect("a VmRSS line in /proc/self/status");
    let kib: u64 = line
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .expect("VmRSS in kB");
    kib * 1024
}
