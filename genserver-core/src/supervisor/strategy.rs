//! Which children a restart affects, and how many restarts a supervisor
//! allows before it gives up.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

use crate::ExitReason;

/// Which children a supervisor restarts when one of them must be restarted
/// (OTP's strategies).
///
/// A group restart stops the other affected children that are running in
/// reverse start order, then starts the affected children again in start
/// order. Temporary children among the affected ones are stopped and
/// dropped, not restarted. Children stopped through the admin API
/// ([`terminate_child`](crate::SupervisorClient::terminate_child)) or by a
/// clean transient exit stay stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    /// Only the child that exited is restarted. The default.
    #[default]
    OneForOne,
    /// Every child is stopped and started again.
    OneForAll,
    /// The child that exited and every child started after it are stopped
    /// and started again.
    RestForOne,
}

/// At most `max_restarts` restarts within any `period` (OTP's
/// `intensity` and `period`); one more and the supervisor stops its
/// children and exits with [`ExitReason::Shutdown`](crate::ExitReason::Shutdown).
///
/// The count is over all children. Each restart attempt counts, including
/// one that fails; exits that are not followed by a restart (temporary
/// children, clean exits of transient ones) do not. A restart `period` or
/// less ago still counts.
///
/// ```
/// use std::time::Duration;
/// use genserver_core::RestartIntensity;
///
/// let default = RestartIntensity::default();
/// assert_eq!(default.max_restarts(), 3);
/// assert_eq!(default.period(), Duration::from_secs(5));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestartIntensity {
    max_restarts: u32,
    period: Duration,
}

impl RestartIntensity {
    /// At most `max_restarts` restarts within `period`. With 0, the first
    /// restart makes the supervisor give up.
    ///
    /// `period` must be longer than zero: in a window of no length no two
    /// restarts would ever be counted together, and a child that keeps
    /// failing would be restarted without end. A supervisor given a zero
    /// `period` fails to start, with [`StartError::Init`](crate::StartError::Init)
    /// saying so, before any child starts (OTP's `invalid_period`).
    #[must_use]
    pub const fn new(max_restarts: u32, period: Duration) -> Self {
        RestartIntensity {
            max_restarts,
            period,
        }
    }

    /// The number of restarts allowed within [`period`](Self::period).
    #[must_use]
    pub const fn max_restarts(&self) -> u32 {
        self.max_restarts
    }

    /// Why a supervisor cannot count restarts with this intensity, if it
    /// cannot: checked when it starts.
    pub(crate) fn invalid(&self) -> Option<ExitReason> {
        self.period.is_zero().then(|| {
            ExitReason::error("invalid restart intensity: the period must be longer than zero")
        })
    }

    /// The sliding window the restarts are counted in.
    #[must_use]
    pub const fn period(&self) -> Duration {
        self.period
    }
}

/// Elixir's default: 3 restarts in 5 seconds.
impl Default for RestartIntensity {
    fn default() -> Self {
        RestartIntensity::new(3, Duration::from_secs(5))
    }
}

/// The restarts within the sliding window, oldest first.
pub(crate) struct RestartLog {
    intensity: RestartIntensity,
    restarts: VecDeque<Instant>,
}

impl RestartLog {
    pub(crate) fn new(intensity: RestartIntensity) -> Self {
        RestartLog {
            intensity,
            restarts: VecDeque::new(),
        }
    }

    /// Records a restart now; `false` when it is one more than the
    /// intensity allows and the supervisor must give up.
    pub(crate) fn record(&mut self) -> bool {
        let now = Instant::now();
        while let Some(&oldest) = self.restarts.front() {
            if now.duration_since(oldest) > self.intensity.period {
                self.restarts.pop_front();
            } else {
                break;
            }
        }
        self.restarts.push_back(now);
        self.restarts.len() <= self.intensity.max_restarts as usize
    }
}
