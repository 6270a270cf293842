//! The process allocator for programs that decode what brokers send: the system's, except that
//! one allocation of 256 MiB or more is reserved lazily.
//!
//! kafka-protocol decodes an array by taking its count from the wire and calling
//! `Vec::with_capacity(count)` before it reads a single element, so a 14-byte answer whose count
//! is 0x3ffffff0 asks for tens of gigabytes. The system allocator refuses more than the machine
//! has, and Rust aborts the process on a refused allocation: a broker could kill Node. Served
//! here, such a request costs address space only (`MAP_NORESERVE`: pages are backed when first
//! written), the decoder then runs out of bytes after as many elements as the frame holds, fails
//! with an error, and the reservation is returned. The few legitimate allocations this large (a
//! batch inflating towards its 256 MiB bound, a frame near the 1 GiB cap) are backed as they are
//! written, as the system allocator's own mappings would be.
//!
//! A library does not choose its process's allocator: the binding installs this one
//! (`#[global_allocator]`), and so do the fuzz targets that decode responses. Where `mmap` is
//! missing (Windows), huge requests go to the system allocator; where the kernel refuses even a
//! lazy reservation (`vm.overcommit_memory=2`), the allocation fails as it would have.

use std::alloc::{GlobalAlloc, Layout, System};

/// From this size on, an allocation is reserved lazily rather than taken from the system. Below
/// it, any machine has the memory to grant the request (if not to fill it), and the fuzz runs'
/// limit on a single malloc (512 MiB, scripts/fuzz.sh) stays a check on the system's path.
const HUGE: usize = 256 << 20;

/// `mmap` returns page-aligned memory; larger alignments take the system's path.
const PAGE: usize = 4096;

/// The system allocator with lazily reserved huge allocations; see the module's documentation.
pub struct ReservingAllocator;

fn is_huge(layout: Layout) -> bool {
    cfg!(unix) && layout.size() >= HUGE && layout.align() <= PAGE
}

// SAFETY: every block is freed by the path that allocated it, which `is_huge` decides from the
// layout alone, and callers pass `dealloc` and `realloc` the layout they allocated with.
unsafe impl GlobalAlloc for ReservingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if is_huge(layout) {
            reserve(layout.size())
        } else {
            System.alloc(layout)
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if is_huge(layout) {
            // Anonymous mappings read as zeros.
            reserve(layout.size())
        } else {
            System.alloc_zeroed(layout)
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if is_huge(layout) {
            release(ptr, layout.size())
        } else {
            System.dealloc(ptr, layout)
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
        if !is_huge(layout) && !is_huge(new_layout) {
            return System.realloc(ptr, layout, new_size);
        }
        // Into, out of or within the huge class: move, as the two paths cannot resize each
        // other's blocks.
        let moved = self.alloc(new_layout);
        if !moved.is_null() {
            std::ptr::copy_nonoverlapping(ptr, moved, layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        moved
    }
}

#[cfg(unix)]
unsafe fn reserve(size: usize) -> *mut u8 {
    let block = libc::mmap(
        std::ptr::null_mut(),
        size,
        libc::PROT_READ | libc::PROT_WRITE,
        libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
        -1,
        0,
    );
    if block == libc::MAP_FAILED {
        // Refused even lazily: out of address space, or strict overcommit.
        return std::ptr::null_mut();
    }
    block.cast()
}

#[cfg(unix)]
unsafe fn release(ptr: *mut u8, size: usize) {
    libc::munmap(ptr.cast(), size);
}

// Never called: `is_huge` is false where mmap is missing.
#[cfg(not(unix))]
unsafe fn reserve(_size: usize) -> *mut u8 {
    std::ptr::null_mut()
}

#[cfg(not(unix))]
unsafe fn release(_ptr: *mut u8, _size: usize) {}
