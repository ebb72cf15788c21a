// Typed wrappers around libcurl's variadic calls, which Swift cannot call directly.
// Each wrapper fixes the argument type for one family of options; the option itself
// still says which value libcurl expects, so pick the wrapper that matches CURLOPTTYPE.
#ifndef LACAK_CCURL_SHIM_H
#define LACAK_CCURL_SHIM_H

#include <curl/curl.h>

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

#endif
