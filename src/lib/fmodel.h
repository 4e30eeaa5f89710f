/* fmodel: transport-independent model of one BitBabbler device, i.e. an FTDI
 * FT232H in MPSSE mode with the BitBabbler noise generators behind it.
 *
 * A transport (the umockdev usbdevfs emulator in src/emu, the FunctionFS
 * gadget in src/gadget) owns one fmodel per emulated device and feeds it
 * what the host sends: control requests, bulk OUT transfers and bulk IN
 * requests.  The model answers with bytes or a negative errno.  It never
 * blocks, never sleeps and is not thread-safe: the transport serialises all
 * calls for one device (the umockdev transport holds its device lock; the
 * gadget is single-threaded).
 *
 * USB identity (shared by all transports): VID 0x0403, PID 0x7840,
 * bcdUSB 2.00, bcdDevice 0x0900, one configuration (value 1) with one
 * interface of class ff/ff/ff and two bulk endpoints, 0x81 IN and 0x02 OUT,
 * 512 bytes each (high speed).  String descriptors: index 0 = langid 0x0409,
 * 1 = manufacturer, 2 = product, 3 = serial (a model configured with
 * no_serial has iSerialNumber 0 and no string 3: a device without a serial
 * number, which the host software must skip).  The manufacturer string
 * "Voicetronix Australia" is our placeholder: upstream never checks it.
 * The product is "White RNG" (4 generators) or "Black RNG" (1 generator).
 * A config's vid/pid/manufacturer/product replace that identity (bbemu's
 * non-BitBabbler devices); the model behind it is the same.
 *
 * PAYLOAD MODEL.  The device has generators G0..G3 (White) or G0 only
 * (Black).  Each Gg is a byte stream indexed by the stream position p:
 *   - Gg for g = 1..3 (and G0 without a payload file) is xorshift64
 *     (x ^= x << 13; x ^= x >> 7; x ^= x << 17), seeded with
 *     splitmix64(fnv1a64(serial) ^ (g + 1) * 0x9e3779b97f4a7c15)
 *     (a zero seed becomes 1); every step yields 8 bytes, the new state in
 *     little-endian byte order.  So byte p is byte p % 8 of step p / 8 + 1.
 *   - with a payload FILE of length L: G0[p] = FILE[p % L] ^ G1[p] ^ G2[p]
 *     ^ G3[p] (White), G0[p] = FILE[p % L] (Black).
 * The device outputs the XOR of the ENABLED generators (0 if none is).
 * Generator g is enabled while its pin, low-GPIO bit 4+g, is an input,
 * i.e. while bit 4+g of DD in the last `80 VV DD` MPSSE command is clear.
 * Before any 0x80 command (and after a USB reset) all are enabled.  So with
 * the host's default mask 0x0F (`80 00 0B`) the device clocks out FILE
 * exactly, cycled; mask 0x01 (`80 00 EB`) gives G0 alone, mask 0 zeros.
 * A Black device only has G0: its output is G0 if bit 4 is an input, else 0.
 * Payload bytes are consumed in stream order ONLY by MPSSE data-read
 * commands (`20 LL HH` asks for LLHH+1 bytes, bit-mode reads for 1); the
 * position persists across reads, re-inits, USB resets and re-plugs.
 *
 * FAULTS (fmodel_fault_parse() grammar NAME[:ARG][@N]; BYTE/HEX are hex with
 * an optional 0x, the rest decimal).  Counts "from when set" restart whenever
 * the fault is set again.
 *
 * @N ARMS the fault instead of setting it: it is set (as if given then) once
 * the device has clocked out N more payload bytes, i.e. at stream position
 * P + N where P is the position when the fault was given (0 for a fault in
 * a device spec or on a command line: N is then the stream offset).  N is
 * decimal with an optional K, M or G suffix (times 2^10, 2^20, 2^30), at
 * most 2^50.  stuck, bias and repeat apply from stream byte P + N exactly;
 * the others from the first data-read command, bulk IN transfer or control
 * request after byte P + N - 1 was generated: e.g. with 64 KiB read
 * commands, stall:1@1M stalls the first bulk IN transfer of the 16th read
 * (bytes 960K..1M-1), before any of its bytes reach the host.  The stream
 * position moves only when the host's data-read commands arrive, so an
 * armed fault acts at the same point of the host's conversation in every
 * transport however fast or slow host and transport are: the way to make
 * fault tests deterministic.  Up to 32 faults may be armed at once,
 * several of one kind too (e.g. stall:1@1M and stall:1@2M: one stall at
 * each); when one is set the wire log says `fault NAME set at POS`.
 * access cannot be armed (it acts when the device node is made).
 *
 *   stuck[:BYTE]   payload bytes are all BYTE (default 00)
 *   bias[:PCT]     each payload bit is 1 with probability PCT% (default 60),
 *                  drawn from a deterministic xorshift stream (g = 4)
 *   repeat[:N]     every N-th 32-bit payload word (words counted from stream
 *                  position 0) repeats the previous word (default 100)
 *   status[:HEX]   modem status byte of every bulk IN packet is HEX instead
 *                  of 0x32 (default 00)
 *   stall[:N]      the next N bulk IN transfers fail with -EPIPE (default:
 *                  all, until cleared)
 *   timeout[:BYTES] once BYTES payload bytes were produced since the fault
 *                  was set (default 0), data-read commands produce nothing
 *                  (the host sees only status-only packets); sync and
 *                  bad-command echoes still work
 *   short[:LEN]    a bulk IN transfer carries one packet of at most LEN data
 *                  bytes (default 100): short packets end transfers early;
 *                  the data stays correct
 *   excess[:N]     the next N data-read commands (default: all) yield 16
 *                  payload bytes more than asked
 *   unplug:BYTES   after BYTES payload bytes were delivered since the fault
 *                  was set, the transfer ends and fmodel_take_unplug()
 *                  reports true once: the transport unplugs the device
 *   busy           the transport fails interface claims with EBUSY
 *   access         the transport makes opening the device fail (EACCES)
 *   ctrlstall[:N]  the next N vendor control requests (bmRequestType 0x40
 *                  or 0xc0) stall, i.e. fail with -EPIPE (default: all,
 *                  until cleared); standard requests are not affected
 * Faults modify only what leaves the device; the generators keep running,
 * so clearing a fault continues the undisturbed stream.
 *
 * WIRE LOG.  Every control request, every bulk OUT transfer and every
 * transport event appends one line (no trailing newline in the callback;
 * "\n"-terminated in the text), hex in lower case:
 *   ctrl RT RQ VVVV IIII LLLL      bmRequestType bRequest wValue wIndex wLength
 *   out HH HH ...                   all bytes of one bulk OUT transfer
 *   stall                           a bulk IN transfer failed with EPIPE
 *   ctrlstall                       the control request before it stalled
 *                                   (ctrlstall fault)
 *   reset                           fmodel_reset() (USB port reset)
 *   fault NAME set at POS           an armed fault (@N) was set at stream
 *                                   position POS (decimal)
 * and, written by the transport via fmodel_wire_event(): `plug bus=B dev=D
 * port=P` (bbemu; bbgadget writes `plug`: a gadget does not learn its
 * address), `unplug`, `claim`, `release` (bbemu only).
 */
#ifndef BB_FMODEL_H
#define BB_FMODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FMODEL_VID 0x0403
#define FMODEL_PID 0x7840
#define FMODEL_BCD_DEVICE 0x0900
#define FMODEL_EP_IN 0x81
#define FMODEL_EP_OUT 0x02
#define FMODEL_MAXPACKET 512
#define FMODEL_MODEM_STATUS 0x32 /* high speed */
#define FMODEL_LINE_STATUS 0x60  /* THRE | TEMT */
#define FMODEL_DEFAULT_LATENCY_MS 16
#define FMODEL_EXCESS_BYTES 16
#define FMODEL_MANUFACTURER "Voicetronix Australia"
#define FMODEL_PRODUCT_WHITE "White RNG"
#define FMODEL_PRODUCT_BLACK "Black RNG"
#define FMODEL_SERIAL_MAX 126    /* a string descriptor holds 126 UTF-16 units */
#define FMODEL_DESCRIPTORS_LEN (18 + 32)

enum fmodel_kind { FMODEL_WHITE, FMODEL_BLACK };

struct fmodel_config {
    const char *serial;     /* required: 1..126 chars from 0x21..0x7e, no '\\' */
    bool no_serial;         /* the USB device has no serial string; serial
                               still seeds the generators and names it */
    enum fmodel_kind kind;
    const uint8_t *payload; /* NULL: default G0; else copied, len > 0 */
    size_t payload_len;
    /* Another USB identity (bbemu's vid=/pid=/manufacturer=/product=): the
     * device and string descriptors say so, the FTDI model behind them is
     * unchanged.  0 / NULL: the BitBabbler's.  Strings as the serial. */
    uint16_t vid, pid;
    const char *manufacturer, *product;
};

enum fmodel_fault {
    FMODEL_FAULT_STUCK,
    FMODEL_FAULT_BIAS,
    FMODEL_FAULT_REPEAT,
    FMODEL_FAULT_STATUS,
    FMODEL_FAULT_STALL,
    FMODEL_FAULT_TIMEOUT,
    FMODEL_FAULT_SHORT,
    FMODEL_FAULT_EXCESS,
    FMODEL_FAULT_UNPLUG,
    FMODEL_FAULT_BUSY,
    FMODEL_FAULT_ACCESS,
    FMODEL_FAULT_CTRLSTALL,
    FMODEL_FAULT_COUNT
};

#define FMODEL_UNLIMITED (-1L)
#define FMODEL_AT_MAX (1ull << 50)   /* largest @N */
#define FMODEL_MAX_ARMED 32          /* faults armed at once */

struct fmodel_fault_spec {
    enum fmodel_fault fault;
    long arg;               /* FMODEL_UNLIMITED for "all" counts, 0 if none */
    bool armed;             /* @N given: set the fault `at` bytes later */
    uint64_t at;            /* N, payload bytes (0 unless armed) */
};

/* Parse "NAME[:ARG][@N]" (see the table above).  0 or -EINVAL; when err is not
 * NULL it receives a one-line reason (no trailing newline). */
int fmodel_fault_parse(const char *text, struct fmodel_fault_spec *out, char *err,
                       size_t err_len);
const char *fmodel_fault_name(enum fmodel_fault f);

struct fmodel;

/* 0, -EINVAL (bad config) or -ENOMEM. */
int fmodel_new(const struct fmodel_config *cfg, struct fmodel **out);
void fmodel_free(struct fmodel *m);

const char *fmodel_serial(const struct fmodel *m);   /* the name, even with no_serial */
bool fmodel_has_serial(const struct fmodel *m);     /* false with no_serial */
const char *fmodel_product(const struct fmodel *m);
const char *fmodel_manufacturer(const struct fmodel *m);
uint16_t fmodel_vid(const struct fmodel *m);
uint16_t fmodel_pid(const struct fmodel *m);
enum fmodel_kind fmodel_kind(const struct fmodel *m);

/* Device descriptor (18 bytes) + configuration descriptor set (32 bytes) in
 * wire order: what usbfs read() and the sysfs "descriptors" file give.
 * fmodel_descriptors() is a device with a serial (iSerialNumber 3);
 * fmodel_model_descriptors() is this model's (iSerialNumber 0 with
 * no_serial). */
const uint8_t *fmodel_descriptors(size_t *len);
const uint8_t *fmodel_model_descriptors(const struct fmodel *m, size_t *len);

/* One control request.  setup is the 8-byte setup packet; data is the data
 * stage of wLength bytes (filled for IN requests, read for OUT).  Returns
 * the data stage length transferred (<= wLength), or -EPIPE for a stall. */
int fmodel_control(struct fmodel *m, const uint8_t setup[8], uint8_t *data);

/* One bulk OUT transfer to endpoint 0x02.  MPSSE commands may span
 * transfers.  0 or -ENOMEM. */
int fmodel_bulk_out(struct fmodel *m, const uint8_t *buf, size_t len);

/* Build one bulk IN transfer (endpoint 0x81) into buf of cap bytes: packets
 * of 2 status bytes + up to 510 data bytes; the transfer ends after a short
 * packet or when buf is full.  Returns
 *   0          done, *out_len bytes (a 2-byte status-only packet when
 *              nothing was queued and latency_expired is true)
 *   -EAGAIN    nothing queued: call again when bulk OUT queued data, or
 *              with latency_expired once fmodel_latency_ms() have passed
 *              since the transfer was submitted
 *   -EPIPE     stalled (stall fault)
 *   -EOVERFLOW a packet did not fit the remaining space: *out_len bytes
 *              were written (babble), like the kernel's -EOVERFLOW. */
int fmodel_bulk_in(struct fmodel *m, uint8_t *buf, size_t cap, bool latency_expired,
                   size_t *out_len);

size_t fmodel_queued(const struct fmodel *m);        /* bytes waiting for bulk IN */
/* The MPSSE clock the host set, in bit/s (60 MHz, or 12 MHz with
 * divide-by-5, / ((1 + divisor) * 2)). */
uint64_t fmodel_bitrate(const struct fmodel *m);
unsigned fmodel_latency_ms(const struct fmodel *m);  /* FTDI latency timer */
unsigned fmodel_enable_mask(const struct fmodel *m); /* generators enabled, bit g */
uint64_t fmodel_stream_pos(const struct fmodel *m);  /* payload bytes produced */
uint64_t fmodel_payload_sent(const struct fmodel *m);/* payload bytes delivered */

/* True once when the unplug fault's byte count was reached (the fault is
 * then cleared); the transport must unplug the device. */
bool fmodel_take_unplug(struct fmodel *m);

/* USB port reset: FTDI state back to power-on (bitmode 0, latency 16 ms,
 * queues and partial command dropped, all GPIO inputs).  Logs "reset". */
void fmodel_reset(struct fmodel *m);
/* The same without the wire line: power-on after a (re-)plug. */
void fmodel_power_cycle(struct fmodel *m);

/* Faults.  fmodel_fault_set() sets f, or arms it when f->armed: 0, or
 * -ENOSPC when 32 faults are armed already.  Clearing a fault (all faults)
 * also drops the armed ones of its kind (all armed ones).  A fault is
 * active once set, not while armed. */
int fmodel_fault_set(struct fmodel *m, const struct fmodel_fault_spec *f);
void fmodel_fault_clear(struct fmodel *m, enum fmodel_fault f);
void fmodel_faults_clear(struct fmodel *m);
bool fmodel_fault_active(const struct fmodel *m, enum fmodel_fault f);
/* True for the faults the model only reports and the transport carries out
 * on the host's side or the bus (unplug, busy, access): a transport that is
 * a real device (bbgadget) cannot do them. */
bool fmodel_fault_transport(enum fmodel_fault f);

/* Generator bytes Gg[pos .. pos+len) for a device config, independent of
 * any model state and of faults (g 0..3; Black has only g 0).  For tests and
 * tools that predict the device output.  0 or -EINVAL. */
int fmodel_generator(const struct fmodel_config *cfg, unsigned g, uint64_t pos,
                     uint8_t *out, size_t len);
/* The same for the device output with generator enable mask `mask` (bit g
 * = Gg, as fmodel_enable_mask()): the XOR of the enabled generators, i.e.
 * the bytes a device of this config clocks out at stream positions
 * [pos, pos+len) when no fault is set.  0 or -EINVAL (mask > 0x0f). */
int fmodel_output(const struct fmodel_config *cfg, unsigned mask, uint64_t pos,
                  uint8_t *out, size_t len);

/* Wire log.  The sink, if set, is called with every new line. */
typedef void (*fmodel_wire_fn)(const char *line, void *user);
void fmodel_wire_sink(struct fmodel *m, fmodel_wire_fn fn, void *user);
void fmodel_wire_event(struct fmodel *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The whole log so far ("\n"-terminated lines); valid until the next call
 * that changes the model.  len may be NULL. */
const char *fmodel_wire_text(const struct fmodel *m, size_t *len);
void fmodel_wire_clear(struct fmodel *m);
/* Write the log to path atomically (temp file in the same directory, then
 * rename).  0 or -errno. */
int fmodel_wire_dump(const struct fmodel *m, const char *path);

#endif
