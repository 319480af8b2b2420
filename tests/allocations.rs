//! Heap measurements under dhat's global allocator: what the core allocates, and what a virtual
//! router costs. The allocator is the whole binary's, so these have a binary of their own.

/// The support shared with the other test binaries (tests/common/), the parts these tests use.
mod common {
    pub mod adverts;
}

mod memory;
mod no_alloc;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

/// dhat's profiler is process-wide and counts every thread's allocations, so the measurements run
/// one after another in one test, where no other test thread can allocate during one.
#[test]
fn heap_measurements() {
    no_alloc::parse_and_emit_of_common_adverts_do_not_allocate();
    memory::a_virtual_router_with_one_address_takes_at_most_1_kib();
}
