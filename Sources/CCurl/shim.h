// Typed wrappers around libcurl's variadic calls, which Swift cannot call directly, and the
// Linux event primitives (epoll, eventfd) the transfer driver waits on.
// Each wrapper fixes the argument type for one family of options; the option itself
// still says which value libcurl expects, so pick the wrapper that matches CURLOPTTYPE.
#ifndef LACAK_CCURL_SHIM_H
#define LACAK_CCURL_SHIM_H

#include <curl/curl.h>
#include <errno.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

typedef size_t (*lacak_curl_data_callback)(char *data, size_t size, size_t count, void *userdata);

static inline CURLcode lacak_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode lacak_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode lacak_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode lacak_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode lacak_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode lacak_easy_setopt_callback(CURL *handle, CURLoption option, lacak_curl_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode lacak_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode lacak_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode lacak_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLMcode lacak_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

typedef int (*lacak_curl_socket_callback)(CURL *easy, curl_socket_t socket, int what, void *userdata, void *socketdata);
typedef int (*lacak_curl_timer_callback)(CURLM *multi, long timeout_ms, void *userdata);

static inline CURLMcode lacak_multi_setopt_pointer(CURLM *multi, CURLMoption option, void *value) {
    return curl_multi_setopt(multi, option, value);
}

static inline CURLMcode lacak_multi_setopt_socket_callback(CURLM *multi, lacak_curl_socket_callback value) {
    return curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, value);
}

static inline CURLMcode lacak_multi_setopt_timer_callback(CURLM *multi, lacak_curl_timer_callback value) {
    return curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, value);
}

// epoll without touching `struct epoll_event`, which is packed on x86_64 (a layout Swift
// should not have to reproduce): the descriptor travels in the event's data.

/// Adds `fd` to the set, or changes its events when it is there already.
static inline int lacak_epoll_watch(int epfd, int fd, uint32_t events) {
    struct epoll_event event = { .events = events, .data = { .fd = fd } };
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &event) == 0) return 0;
    if (errno != ENOENT) return -1;
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event);
}

static inline int lacak_epoll_unwatch(int epfd, int fd) {
    struct epoll_event event = { 0 };
    return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, &event);
}

/// Waits for at most `capacity` events; their descriptors and event bits go to `fds` and `events`.
static inline int lacak_epoll_wait(int epfd, int *fds, uint32_t *events, int capacity, int timeout_ms) {
    struct epoll_event ready[capacity];
    int count = epoll_wait(epfd, ready, capacity, timeout_ms);
    for (int index = 0; index < count; index++) {
        fds[index] = ready[index].data.fd;
        events[index] = ready[index].events;
    }
    return count;
}

#endif
