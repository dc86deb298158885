// Handle tables for the C ABI.
//
// A crm_db, crm_session or crm_cursor pointer is not an address but an encoded
// (slot, generation) pair.  Closing a handle bumps its slot's generation, so a
// handle that was closed — or closed twice, or used after close — is detected
// and answered with CRM_ERR_STATE instead of touching freed memory.  Objects
// are held by shared_ptr so that a close racing with a call on another thread
// never frees what that call is using.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace crm::capi {

template <class T>
class HandleTable {
 public:
  // Half of a pointer's bits for the slot, half for the generation.
  static constexpr unsigned kShift = sizeof(void*) * 4;
  static constexpr std::uintptr_t kGenMask = (std::uintptr_t{1} << kShift) - 1;

  void* add(std::shared_ptr<T> obj) {
    std::lock_guard<std::mutex> lock(mu_);
    std::size_t slot;
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
    } else {
      slot = slots_.size();
      slots_.push_back({});
    }
    Slot& s = slots_[slot];
    s.obj = std::move(obj);
    return encode(slot, s.gen);
  }

  // The live object behind `h`, or nullptr if `h` was closed or never issued.
  std::shared_ptr<T> get(const void* h) const {
    std::lock_guard<std::mutex> lock(mu_);
    const Slot* s = find(h);
    return s ? s->obj : nullptr;
  }

  // Removes and returns the object; nullptr if `h` is not live.
  std::shared_ptr<T> remove(const void* h) {
    std::lock_guard<std::mutex> lock(mu_);
    Slot* s = const_cast<Slot*>(find(h));
    if (!s) return nullptr;
    std::shared_ptr<T> obj = std::move(s->obj);
    s->obj.reset();
    s->gen = (s->gen % kGenMask) + 1;  // never 0, so a handle is never NULL
    free_.push_back(static_cast<std::size_t>(s - slots_.data()));
    return obj;
  }

 private:
  struct Slot {
    std::shared_ptr<T> obj;
    std::uintptr_t gen = 1;
  };

  static void* encode(std::size_t slot, std::uintptr_t gen) {
    return reinterpret_cast<void*>((static_cast<std::uintptr_t>(slot + 1) << kShift) | gen);
  }

  const Slot* find(const void* h) const {
    auto v = reinterpret_cast<std::uintptr_t>(h);
    std::uintptr_t slot1 = v >> kShift;
    if (slot1 == 0 || slot1 > slots_.size()) return nullptr;
    const Slot& s = slots_[slot1 - 1];
    if (!s.obj || s.gen != (v & kGenMask)) return nullptr;
    return &s;
  }

  mutable std::mutex mu_;
  std::vector<Slot> slots_;
  std::vector<std::size_t> free_;
};

}  // namespace crm::capi
