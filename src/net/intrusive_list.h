// A doubly linked list threaded through its elements (which derive from
// ListLinks<T>): a server keeps thousands of connections in one without a
// node allocation per connection, and removes any of them in O(1).
//
// The list does not own its elements; an element is in at most one list.
#pragma once

#include <cstddef>

namespace wirechat::net {

template <class T>
class IntrusiveList;

template <class T>
class ListLinks {
private:
    friend class IntrusiveList<T>;
    T* prev_ = nullptr;
    T* next_ = nullptr;
};

template <class T>
class IntrusiveList {
public:
    bool empty() const { return head_ == nullptr; }
    std::size_t size() const { return size_; }
    T* front() const { return head_; }
    static T* next(const T& item) { return links(item).next_; }

    void push_front(T& item) {
        links(item).prev_ = nullptr;
        links(item).next_ = head_;
        if (head_) links(*head_).prev_ = &item;
        head_ = &item;
        ++size_;
    }

    // `item` must be in this list.
    void erase(T& item) {
        ListLinks<T>& l = links(item);
        if (l.prev_) links(*l.prev_).next_ = l.next_;
        else head_ = l.next_;
        if (l.next_) links(*l.next_).prev_ = l.prev_;
        l.prev_ = l.next_ = nullptr;
        --size_;
    }

private:
    static ListLinks<T>& links(T& item) { return item; }
    static const ListLinks<T>& links(const T& item) { return item; }

    T* head_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace wirechat::net
