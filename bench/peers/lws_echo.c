/* A WebSocket echo server on libwebsockets (Debian's libwebsockets-dev), the
 * benchmark's C peer: every message comes back unchanged, text or binary.
 *
 *   lws-echo PORT
 *
 * Written the way the library's own examples are: messages are received in
 * chunks, collected per connection, and written back one per WRITEABLE
 * callback. Each connection keeps a ring of message buffers that are reused,
 * so after warm-up the echo path does not allocate, as is fair to a peer.
 */
#include <libwebsockets.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#define RING 64 /* messages a connection may have waiting for their echo */

struct message {
    unsigned char *buffer; /* LWS_PRE bytes of headroom, then the payload */
    size_t size, capacity;
    int binary;
};

struct session {
    struct message ring[RING];
    unsigned head, count; /* ring[head] is the next to send */
    int paused;           /* reading stopped: the ring is full */
};

static volatile sig_atomic_t interrupted;
static struct lws_context *context;

static int grow(struct message *m, size_t size) {
    if (size <= m->capacity) return 0;
    size_t capacity = m->capacity ? m->capacity : 256;
    while (capacity < size) capacity *= 2;
    unsigned char *buffer = realloc(m->buffer, LWS_PRE + capacity);
    if (!buffer) return -1;
    m->buffer = buffer;
    m->capacity = capacity;
    return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len) {
    struct session *s = user;
    switch (reason) {
    case LWS_CALLBACK_ESTABLISHED:
        memset(s, 0, sizeof *s);
        break;
    case LWS_CALLBACK_RECEIVE: {
        /* The message being received is assembled in the ring's next free slot. */
        struct message *m = &s->ring[(s->head + s->count) % RING];
        if (lws_is_first_fragment(wsi)) {
            m->size = 0;
            m->binary = lws_frame_is_binary(wsi);
        }
        if (grow(m, m->size + len)) return -1;
        memcpy(m->buffer + LWS_PRE + m->size, in, len);
        m->size += len;
        if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0) {
            s->count++;
            if (s->count == RING) {
                lws_rx_flow_control(wsi, 0);
                s->paused = 1;
            }
            lws_callback_on_writable(wsi);
        }
        break;
    }
    case LWS_CALLBACK_SERVER_WRITEABLE: {
        if (s->count == 0) break;
        struct message *m = &s->ring[s->head];
        int n = lws_write(wsi, m->buffer + LWS_PRE, m->size, m->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT);
        if (n < (int)m->size) return -1;
        s->head = (s->head + 1) % RING;
        s->count--;
        if (s->paused) {
            s->paused = 0;
            lws_rx_flow_control(wsi, 1);
        }
        if (s->count) lws_callback_on_writable(wsi);
        break;
    }
    case LWS_CALLBACK_CLOSED:
        for (int i = 0; i < RING; i++) free(s->ring[i].buffer);
        memset(s, 0, sizeof *s);
        break;
    default:
        break;
    }
    return 0;
}

static const struct lws_protocols protocols[] = {
    {"echo", callback, sizeof(struct session), 64 * 1024, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void on_signal(int sig) {
    (void)sig;
    interrupted = 1;
    lws_cancel_service(context);
}

int main(int argc, char **argv) {
    /* With a certificate and its key: wss:// (libwebsockets over OpenSSL). */
    if (argc != 2 && argc != 4) {
        fprintf(stderr, "usage: lws-echo PORT [CERT KEY]\n");
        return 2;
    }
    lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = atoi(argv[1]);
    info.iface = "127.0.0.1";
    info.protocols = protocols;
    info.pt_serv_buf_size = 64 * 1024;
    info.gid = -1;
    info.uid = -1;
    if (argc == 4) {
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.ssl_cert_filepath = argv[2];
        info.ssl_private_key_filepath = argv[3];
    }
    context = lws_create_context(&info);
    if (!context) {
        fprintf(stderr, "lws-echo: cannot start on port %s\n", argv[1]);
        return 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    printf("listening on 127.0.0.1:%d\n", info.port);
    fflush(stdout);
    while (!interrupted && lws_service(context, 0) >= 0) {
    }
    lws_context_destroy(context);
    return 0;
}
