// Where `tracing::Instrument` is in scope, `client.instrument(span)` calls
// the trait's method, which takes the client by value and is found before
// a client method `instrument(&self)`; so do `in_current_span` and
// `WithSubscriber`'s two.

use genserver::prelude::*;
use tracing::Instrument;

pub struct Recorder {
    spans: Vec<u64>,
}

#[genserver]
impl Recorder {
    #[cast]
    pub fn instrument(&mut self, span: u64) {
        self.spans.push(span);
    }

    #[call]
    pub fn in_current_span(&self) -> Option<u64> {
        self.spans.last().copied()
    }

    #[call]
    pub fn with_current_subscriber(&self) -> usize {
        self.spans.len()
    }
}

async fn record(recorder: RecorderClient) {
    let _ = async {}.instrument(tracing::Span::none()).await;
    let _ = recorder;
}

fn main() {
    let _ = record;
}
