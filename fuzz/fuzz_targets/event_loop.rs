#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    vrrp::fuzzing::event_loop(data);
});
