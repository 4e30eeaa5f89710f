/* Unit tests for virtxml: exact generator text, reading libvirt 9 domain
 * XML (hostdevs, qemu:commandline, USB controllers, PCI slots), hostile
 * input, and that libxml2 never prints. */
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "virtxml.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ---- */

static struct devinfo mkdev(unsigned bus, unsigned dev, const char *serial, const char *port)
{
    struct devinfo d;
    memset(&d, 0, sizeof(d));
    d.bus = bus;
    d.dev = dev;
    d.vid = BB_VENDOR_ID;
    d.pid = BB_PRODUCT_ID;
    snprintf(d.serial, sizeof(d.serial), "%s", serial);
    snprintf(d.port, sizeof(d.port), "%s", port);
    return d;
}

static void expect_text(char *got, const char *want)
{
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void expect_einval(char *got)
{
    assert_null(got);
    assert_int_equal(errno, EINVAL);
}

static int devices(const char *xml, struct virtxml_usb **u, size_t *n)
{
    return virtxml_usb_devices(xml, strlen(xml), u, n);
}

static int check(const char *xml, struct virtxml_usbcheck *c)
{
    memset(c, 0x5A, sizeof(*c));
    return virtxml_usb_check(xml, strlen(xml), c);
}

static void want_check(const char *xml, unsigned controllers, unsigned fast, bool none,
                       const char *slow, int free_slot)
{
    struct virtxml_usbcheck c;
    assert_int_equal(check(xml, &c), 0);
    assert_int_equal(c.controllers, controllers);
    assert_int_equal(c.fast, fast);
    assert_int_equal(c.usb_none, none);
    assert_string_equal(c.slow_model, slow);
    assert_int_equal(c.free_slot, free_slot);
}

/* The entries virtxml_usb_devices reads from xml: exactly want[0..n), every
 * field ({ kind, bus, dev, vid, pid, port } in that order); none at all (and
 * a NULL array) for n 0.  Returns the array, for the caller to free. */
static struct virtxml_usb *parse_devices(const char *xml, const struct virtxml_usb *want,
                                         size_t n)
{
    struct virtxml_usb *u = (struct virtxml_usb *)&n; /* must be overwritten */
    size_t got = 99;
    assert_int_equal(devices(xml, &u, &got), 0);
    assert_int_equal(got, n);
    if (n == 0)
        assert_null(u);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(u[i].kind, want[i].kind);
        assert_int_equal(u[i].bus, want[i].bus);
        assert_int_equal(u[i].dev, want[i].dev);
        assert_int_equal(u[i].vid, want[i].vid);
        assert_int_equal(u[i].pid, want[i].pid);
        assert_string_equal(u[i].port, want[i].port);
    }
    return u;
}

static void want_devices(const char *xml, const struct virtxml_usb *want, size_t n)
{
    free(parse_devices(xml, want, n));
}

/* stderr redirected to a temporary file, to prove nothing is printed. */
static int quiet_begin(FILE **tmp)
{
    fflush(stderr);
    *tmp = tmpfile();
    assert_non_null(*tmp);
    int saved = dup(2);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(*tmp), 2) >= 0);
    return saved;
}

static void quiet_end(FILE *tmp, int saved)
{
    fflush(stderr);
    assert_true(dup2(saved, 2) >= 0);
    close(saved);
    struct stat st;
    assert_int_equal(fstat(fileno(tmp), &st), 0);
    if (st.st_size != 0) {
        char text[512];
        rewind(tmp);
        size_t got = fread(text, 1, sizeof(text) - 1, tmp);
        text[got] = '\0';
        fail_msg("printed on stderr: %s", text);
    }
    fclose(tmp);
}

/* ---- fixtures ---- */

/* A running 'pc' domain as libvirt 9.0 dumps it (trimmed): a hostdev by
 * address, a vendor/product hostdev that libvirt resolved (both forms in
 * the live XML), a PCI hostdev, and a qemu:commandline device. */
static const char live_pc[] =
    "<domain type='kvm' id='3' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>\n"
    "  <name>bbtest</name>\n"
    "  <uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid>\n"
    "  <memory unit='KiB'>262144</memory>\n"
    "  <currentMemory unit='KiB'>262144</currentMemory>\n"
    "  <vcpu placement='static'>1</vcpu>\n"
    "  <resource>\n"
    "    <partition>/machine</partition>\n"
    "  </resource>\n"
    "  <os>\n"
    "    <type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type>\n"
    "    <boot dev='hd'/>\n"
    "  </os>\n"
    "  <features>\n"
    "    <acpi/>\n"
    "  </features>\n"
    "  <clock offset='utc'/>\n"
    "  <on_poweroff>destroy</on_poweroff>\n"
    "  <on_reboot>restart</on_reboot>\n"
    "  <on_crash>destroy</on_crash>\n"
    "  <devices>\n"
    "    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n"
    "    <disk type='file' device='disk'>\n"
    "      <driver name='qemu' type='qcow2'/>\n"
    "      <source file='/var/lib/libvirt/images/bbtest.qcow2' index='1'/>\n"
    "      <backingStore/>\n"
    "      <target dev='vda' bus='virtio'/>\n"
    "      <alias name='virtio-disk0'/>\n"
    "      <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>\n"
    "    </disk>\n"
    "    <controller type='usb' index='0' model='piix3-uhci'>\n"
    "      <alias name='usb'/>\n"
    "      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x2'/>\n"
    "    </controller>\n"
    "    <controller type='pci' index='0' model='pci-root'>\n"
    "      <alias name='pci.0'/>\n"
    "    </controller>\n"
    "    <interface type='network'>\n"
    "      <mac address='52:54:00:6b:3c:58'/>\n"
    "      <source network='default' bridge='virbr0'/>\n"
    "      <target dev='vnet2'/>\n"
    "      <model type='virtio'/>\n"
    "      <alias name='net0'/>\n"
    "      <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>\n"
    "    </interface>\n"
    "    <serial type='pty'>\n"
    "      <source path='/dev/pts/1'/>\n"
    "      <target type='isa-serial' port='0'>\n"
    "        <model name='isa-serial'/>\n"
    "      </target>\n"
    "      <alias name='serial0'/>\n"
    "    </serial>\n"
    "    <input type='mouse' bus='ps2'>\n"
    "      <alias name='input0'/>\n"
    "    </input>\n"
    "    <audio id='1' type='none'/>\n"
    "    <video>\n"
    "      <model type='cirrus' vram='16384' heads='1' primary='yes'/>\n"
    "      <alias name='video0'/>\n"
    "      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>\n"
    "    </video>\n"
    "    <hostdev mode='subsystem' type='usb' managed='yes'>\n"
    "      <source>\n"
    "        <address bus='3' device='6'/>\n"
    "      </source>\n"
    "      <alias name='hostdev0'/>\n"
    "      <address type='usb' bus='0' port='1'/>\n"
    "    </hostdev>\n"
    "    <hostdev mode='subsystem' type='usb' managed='yes'>\n"
    "      <source startupPolicy='optional'>\n"
    "        <vendor id='0x0403'/>\n"
    "        <product id='0x7840'/>\n"
    "        <address bus='5' device='2'/>\n"
    "      </source>\n"
    "      <alias name='hostdev1'/>\n"
    "      <address type='usb' bus='0' port='2'/>\n"
    "    </hostdev>\n"
    "    <hostdev mode='subsystem' type='pci' managed='yes'>\n"
    "      <source>\n"
    "        <address domain='0x0000' bus='0x00' slot='0x07' function='0x0'/>\n"
    "      </source>\n"
    "      <alias name='hostdev2'/>\n"
    "      <address type='pci' domain='0x0000' bus='0x00' slot='0x06' function='0x0'/>\n"
    "    </hostdev>\n"
    "    <memballoon model='virtio'>\n"
    "      <alias name='balloon0'/>\n"
    "      <address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>\n"
    "    </memballoon>\n"
    "  </devices>\n"
    "  <seclabel type='dynamic' model='apparmor' relabel='yes'>\n"
    "    <label>libvirt-4dea22b3-1d52-d8f3-2516-782e98ab3fa0</label>\n"
    "  </seclabel>\n"
    "  <qemu:commandline>\n"
    "    <qemu:arg value='-device'/>\n"
    "    <qemu:arg value='usb-host,hostbus=5,hostport=2.3'/>\n"
    "  </qemu:commandline>\n"
    "</domain>\n";

/* q35 with the ICH9 EHCI + UHCI companion set, as libvirt writes it. */
static const char q35_ich9[] =
    "<domain type='qemu'>\n"
    "  <name>q35vm</name>\n"
    "  <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>\n"
    "  <devices>\n"
    "    <controller type='usb' index='0' model='ich9-ehci1'>\n"
    "      <address type='pci' domain='0x0000' bus='0x00' slot='0x1d' function='0x7'/>\n"
    "    </controller>\n"
    "    <controller type='usb' index='0' model='ich9-uhci1'>\n"
    "      <master startport='0'/>\n"
    "      <address type='pci' domain='0x0000' bus='0x00' slot='0x1d' function='0x0' "
    "multifunction='on'/>\n"
    "    </controller>\n"
    "    <controller type='usb' index='0' model='ich9-uhci2'>\n"
    "      <master startport='2'/>\n"
    "      <address type='pci' domain='0x0000' bus='0x00' slot='0x1d' function='0x1'/>\n"
    "    </controller>\n"
    "    <controller type='usb' index='0' model='ich9-uhci3'>\n"
    "      <master startport='4'/>\n"
    "      <address type='pci' domain='0x0000' bus='0x00' slot='0x1d' function='0x2'/>\n"
    "    </controller>\n"
    "    <controller type='sata' index='0'>\n"
    "      <address type='pci' domain='0x0000' bus='0x00' slot='0x1f' function='0x2'/>\n"
    "    </controller>\n"
    "    <controller type='pci' index='0' model='pcie-root'/>\n"
    "    <controller type='pci' index='1' model='pcie-root-port'>\n"
    "      <model name='pcie-root-port'/>\n"
    "      <target chassis='1' port='0x10'/>\n"
    "      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0' "
    "multifunction='on'/>\n"
    "    </controller>\n"
    "    <controller type='pci' index='2' model='pcie-root-port'>\n"
    "      <model name='pcie-root-port'/>\n"
    "      <target chassis='2' port='0x11'/>\n"
    "      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x1'/>\n"
    "    </controller>\n"
    "    <interface type='network'>\n"
    "      <source network='default'/>\n"
    "      <model type='virtio'/>\n"
    "      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>\n"
    "    </interface>\n"
    "    <video>\n"
    "      <model type='vga' vram='16384' heads='1' primary='yes'/>\n"
    "      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>\n"
    "    </video>\n"
    "    <watchdog model='i6300esb' action='reset'>\n"
    "      <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>\n"
    "    </watchdog>\n"
    "    <memballoon model='virtio'>\n"
    "      <address type='pci' domain='0x0000' bus='0x02' slot='0x00' function='0x0'/>\n"
    "    </memballoon>\n"
    "  </devices>\n"
    "</domain>\n";

/* ---- generators ---- */

static void test_hostdev_addr(void **state)
{
    (void)state;
    expect_text(virtxml_hostdev_addr(3, 6),
                "<hostdev mode='subsystem' type='usb' managed='yes'>\n"
                "  <source>\n"
                "    <address bus='3' device='6'/>\n"
                "  </source>\n"
                "</hostdev>\n");
    expect_text(virtxml_hostdev_addr(127, 120),
                "<hostdev mode='subsystem' type='usb' managed='yes'>\n"
                "  <source>\n"
                "    <address bus='127' device='120'/>\n"
                "  </source>\n"
                "</hostdev>\n");
}

static void test_hostdev_vidpid(void **state)
{
    (void)state;
    expect_text(virtxml_hostdev_vidpid(),
                "<hostdev mode='subsystem' type='usb' managed='yes'>\n"
                "  <source startupPolicy='optional'>\n"
                "    <vendor id='0x0403'/>\n"
                "    <product id='0x7840'/>\n"
                "  </source>\n"
                "</hostdev>\n");
}

static void test_qemu_cmdline(void **state)
{
    (void)state;
    struct devinfo d[3] = {
        mkdev(3, 6, "GK9VZF", "2"),
        mkdev(5, 2, "GDYXTH", "4"),
        mkdev(5, 7, "GTH4R8", "2.3"),
    };
    static const char head[] =
        "<!-- <qemu:commandline> is only valid if the <domain> element declares\n"
        "     xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0' -->\n"
        "<qemu:commandline>\n";
    char want[2048];
    /* JSON syntax by default: created after libvirt's own JSON devices. */
    snprintf(want, sizeof(want), "%s%s", head,
             "  <!-- BitBabbler GK9VZF, host port 3-2 -->\n"
             "  <qemu:arg value='-device'/>\n"
             "  <qemu:arg value='{\"driver\":\"usb-host\",\"hostbus\":3,\"hostport\":\"2\"}'/>\n"
             "  <!-- BitBabbler GDYXTH, host port 5-4 -->\n"
             "  <qemu:arg value='-device'/>\n"
             "  <qemu:arg value='{\"driver\":\"usb-host\",\"hostbus\":5,\"hostport\":\"4\"}'/>\n"
             "  <!-- BitBabbler GTH4R8, host port 5-2.3 -->\n"
             "  <qemu:arg value='-device'/>\n"
             "  <qemu:arg value='{\"driver\":\"usb-host\",\"hostbus\":5,\"hostport\":\"2.3\"}'/>\n"
             "</qemu:commandline>\n");
    expect_text(virtxml_qemu_cmdline(d, 3, false), want);

    snprintf(want, sizeof(want), "%s%s", head,
             "  <!-- BitBabbler GK9VZF, host port 3-2 -->\n"
             "  <qemu:arg value='-device'/>\n"
             "  <qemu:arg value='usb-host,hostbus=3,hostport=2'/>\n"
             "  <!-- BitBabbler GDYXTH, host port 5-4 -->\n"
             "  <qemu:arg value='-device'/>\n"
             "  <qemu:arg value='usb-host,hostbus=5,hostport=4'/>\n"
             "  <!-- BitBabbler GTH4R8, host port 5-2.3 -->\n"
             "  <qemu:arg value='-device'/>\n"
             "  <qemu:arg value='usb-host,hostbus=5,hostport=2.3'/>\n"
             "</qemu:commandline>\n");
    expect_text(virtxml_qemu_cmdline(d, 3, true), want);

    snprintf(want, sizeof(want), "%s%s", head, "</qemu:commandline>\n");
    expect_text(virtxml_qemu_cmdline(NULL, 0, false), want);

    /* A serial that cannot go into a comment is left out. */
    struct devinfo odd = mkdev(1, 9, "A--B", "1.2.3.4.5.6.7");
    snprintf(want, sizeof(want), "%s%s", head,
             "  <!-- BitBabbler (no usable serial), host port 1-1.2.3.4.5.6.7 -->\n"
             "  <qemu:arg value='-device'/>\n"
             "  <qemu:arg value='usb-host,hostbus=1,hostport=1.2.3.4.5.6.7'/>\n"
             "</qemu:commandline>\n");
    expect_text(virtxml_qemu_cmdline(&odd, 1, true), want);
    odd.serial[0] = '\0';
    char *got = virtxml_qemu_cmdline(&odd, 1, false);
    assert_non_null(got);
    assert_non_null(
        strstr(got, "<!-- BitBabbler (no usable serial), host port 1-1.2.3.4.5.6.7 -->"));
    free(got);

    /* Every device needs a usable port path and bus. */
    static const char *const bad_ports[] = {
        "", "0", "2.", ".2", "2..3", "02", "256", "1.2.3.4.5.6.7.8", "2a", "2'/>", "2,3",
    };
    for (size_t i = 0; i < ARRAY_LEN(bad_ports); i++) {
        d[1] = mkdev(5, 2, "GDYXTH", bad_ports[i]);
        errno = 0;
        expect_einval(virtxml_qemu_cmdline(d, 3, false));
    }
    d[1] = mkdev(0, 2, "GDYXTH", "4");
    expect_einval(virtxml_qemu_cmdline(d, 2, false));
    d[1] = mkdev(256, 2, "GDYXTH", "4");
    expect_einval(virtxml_qemu_cmdline(d, 2, false));
    /* An unterminated port buffer is refused, not overread. */
    d[1] = mkdev(5, 2, "GDYXTH", "4");
    memset(d[1].port, '1', sizeof(d[1].port));
    expect_einval(virtxml_qemu_cmdline(d, 2, false));
    expect_einval(virtxml_qemu_cmdline(NULL, 1, false));
}

static const char udev_head[] =
    "# udev rules for BitBabblers passed to libvirt guests with <qemu:commandline>\n"
    "# usb-host: they let the group QEMU runs as (GROUP) open each device, and\n"
    "# create /dev/bitbabbler/<serial>, the stable name that cgroup_device_acl in\n"
    "# /etc/libvirt/qemu.conf uses.  They also match change and bind events, as\n"
    "# udev drops a symlink that an event's rules do not set again.\n"
    "# Install as /etc/udev/rules.d/61-bit-babbler-vm.rules (after the package's\n"
    "# 60-bit-babbler.rules), then load them with\n"
    "#   udevadm control --reload-rules\n"
    "#   udevadm trigger --action=change --subsystem-match=usb "
    "--attr-match=idVendor=0403 --attr-match=idProduct=7840\n"
    "# or replug the devices.\n";

static void test_udev_rules(void **state)
{
    (void)state;
    static const char *const ser[] = { "GK9VZF", "GDYXTH" };
    char want[4096];
    snprintf(want, sizeof(want), "%s%s", udev_head,
             "ACTION==\"add|change|bind\", SUBSYSTEM==\"usb\", ATTR{idVendor}==\"0403\", "
             "ATTR{idProduct}==\"7840\", ATTR{serial}==\"GK9VZF\", GROUP=\"libvirt-qemu\", "
             "MODE=\"0660\", SYMLINK+=\"bitbabbler/$attr{serial}\"\n"
             "ACTION==\"add|change|bind\", SUBSYSTEM==\"usb\", ATTR{idVendor}==\"0403\", "
             "ATTR{idProduct}==\"7840\", ATTR{serial}==\"GDYXTH\", GROUP=\"libvirt-qemu\", "
             "MODE=\"0660\", SYMLINK+=\"bitbabbler/$attr{serial}\"\n");
    expect_text(virtxml_udev_rules(ser, 2, NULL), want);
    expect_text(virtxml_udev_rules(ser, 2, "libvirt-qemu"), want);

    snprintf(want, sizeof(want), "%s%s", udev_head,
             "ACTION==\"add|change|bind\", SUBSYSTEM==\"usb\", ATTR{idVendor}==\"0403\", "
             "ATTR{idProduct}==\"7840\", ATTR{serial}==\"GDYXTH\", GROUP=\"kvm_users.2-x\", "
             "MODE=\"0660\", SYMLINK+=\"bitbabbler/$attr{serial}\"\n");
    expect_text(virtxml_udev_rules(ser + 1, 1, "kvm_users.2-x"), want);
    expect_text(virtxml_udev_rules(NULL, 0, NULL), udev_head);

    /* Serials: 4..127 letters and digits. */
    char longest[128];
    memset(longest, 'Z', 127);
    longest[127] = '\0';
    const char *ok[] = { "abcd", longest };
    char *got = virtxml_udev_rules(ok, 2, "g");
    assert_non_null(got);
    assert_non_null(strstr(got, "ATTR{serial}==\"abcd\", GROUP=\"g\""));
    free(got);

    char toolong[129];
    memset(toolong, 'Z', 128);
    toolong[128] = '\0';
    static const char *const bad_serials[] = { "ABC", "", "GK9 VZF", "GK9-VZF", "GK\"9VZF",
                                               "GK9VZ\xc3\x9f", "GK9VZF\n" };
    for (size_t i = 0; i < ARRAY_LEN(bad_serials); i++) {
        const char *s[] = { "GK9VZF", bad_serials[i] };
        errno = 0;
        expect_einval(virtxml_udev_rules(s, 2, NULL));
    }
    const char *tl[] = { toolong };
    expect_einval(virtxml_udev_rules(tl, 1, NULL));
    const char *nul[] = { NULL };
    expect_einval(virtxml_udev_rules(nul, 1, NULL));
    expect_einval(virtxml_udev_rules(NULL, 1, NULL));

    static const char *const bad_groups[] = { "", "libvirt qemu", "a\"b", "g$", "g/h", "ü" };
    for (size_t i = 0; i < ARRAY_LEN(bad_groups); i++) {
        errno = 0;
        expect_einval(virtxml_udev_rules(ser, 2, bad_groups[i]));
        expect_einval(virtxml_udev_rules(NULL, 0, bad_groups[i]));
    }
}

static void test_cgroup_acl(void **state)
{
    (void)state;
    static const char head[] =
        "# For /etc/libvirt/qemu.conf (replacing any cgroup_device_acl set there);\n"
        "# restart libvirtd afterwards (systemctl restart libvirtd).  The first entries\n"
        "# are libvirt's defaults, then the udev symlinks of the guests' BitBabblers.\n"
        "cgroup_device_acl = [\n"
        "    \"/dev/null\", \"/dev/full\", \"/dev/zero\",\n"
        "    \"/dev/random\", \"/dev/urandom\",\n"
        "    \"/dev/ptmx\", \"/dev/kvm\"";
    static const char *const ser[] = { "GK9VZF", "GDYXTH", "GTH4R8" };
    char want[2048];
    snprintf(want, sizeof(want), "%s%s", head,
             ",\n"
             "    \"/dev/bitbabbler/GK9VZF\",\n"
             "    \"/dev/bitbabbler/GDYXTH\",\n"
             "    \"/dev/bitbabbler/GTH4R8\"\n"
             "]\n");
    expect_text(virtxml_cgroup_acl(ser, 3), want);
    snprintf(want, sizeof(want), "%s%s", head, "\n]\n");
    expect_text(virtxml_cgroup_acl(NULL, 0), want);

    const char *bad[] = { "GK9VZF", "GK\"/dev/sda" };
    errno = 0;
    expect_einval(virtxml_cgroup_acl(bad, 2));
    expect_einval(virtxml_cgroup_acl(NULL, 2));
}

static void test_xhci_controller(void **state)
{
    (void)state;
    expect_text(virtxml_xhci_controller(5),
                "<controller type='usb' index='0' model='qemu-xhci'>\n"
                "  <address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>\n"
                "</controller>\n");
    expect_text(virtxml_xhci_controller(3),
                "<controller type='usb' index='0' model='qemu-xhci'>\n"
                "  <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>\n"
                "</controller>\n");
    expect_text(virtxml_xhci_controller(31),
                "<controller type='usb' index='0' model='qemu-xhci'>\n"
                "  <address type='pci' domain='0x0000' bus='0x00' slot='0x1f' function='0x0'/>\n"
                "</controller>\n");
    static const int bad[] = { -1, 0, 2, 32, 255, 1 << 20 };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        errno = 0;
        expect_einval(virtxml_xhci_controller(bad[i]));
    }
}

/* ---- reading: hostdevs and qemu:commandline ---- */

static void test_devices_live(void **state)
{
    (void)state;
    static const struct virtxml_usb want[] = {
        { VIRTXML_USB_ADDR, 3, 6, 0, 0, "" },
        /* A resolved vendor/product hostdev is the device at its address. */
        { VIRTXML_USB_ADDR, 5, 2, 0, 0, "" },
        { VIRTXML_USB_QEMU_PORT, 5, 0, 0, 0, "2.3" },
    };
    want_devices(live_pc, want, ARRAY_LEN(want));
}

static void test_devices_hostdev_forms(void **state)
{
    (void)state;
    static const char xml[] =
        "<domain type='qemu'><name>x</name><devices>"
        /* inactive vendor/product: VIDPID; no mode attribute is fine */
        "<hostdev type='usb' managed='yes'><source startupPolicy='optional'>"
        "<vendor id='0x0403'/><product id='0x7840'/></source></hostdev>"
        /* type='usb' inside the address, hex and octal numbers */
        "<hostdev mode='subsystem' type='usb'><source>"
        "<address type='usb' bus='0x3' device='010'/></source></hostdev>"
        /* not USB, or not subsystem */
        "<hostdev mode='subsystem' type='pci'><source>"
        "<address domain='0x0000' bus='3' slot='6' function='0'/></source></hostdev>"
        "<hostdev mode='capabilities' type='storage'><source><block>/dev/sdb</block>"
        "</source></hostdev>"
        "<hostdev mode='capabilities' type='usb'><source><address bus='1' device='2'/>"
        "</source></hostdev>"
        /* incomplete or malformed: skipped */
        "<hostdev mode='subsystem' type='usb'><source><address bus='3'/></source></hostdev>"
        "<hostdev mode='subsystem' type='usb'><source><address device='3'/></source></hostdev>"
        "<hostdev mode='subsystem' type='usb'><source><address bus='x' device='3'/>"
        "</source></hostdev>"
        "<hostdev mode='subsystem' type='usb'><source><address bus='3' device='128'/>"
        "</source></hostdev>"
        "<hostdev mode='subsystem' type='usb'><source><address bus='256' device='1'/>"
        "</source></hostdev>"
        "<hostdev mode='subsystem' type='usb'><source><address bus='-3' device='1'/>"
        "</source></hostdev>"
        "<hostdev mode='subsystem' type='usb'><source><address bus=' 3' device='1'/>"
        "</source></hostdev>"
        "<hostdev mode='subsystem' type='usb'><source><address bus='08' device='1'/>"
        "</source></hostdev>"
        "<hostdev mode='subsystem' type='usb'><source><address bus='0x' device='1'/>"
        "</source></hostdev>"
        "<hostdev mode='subsystem' type='usb'><source><vendor id='0x0403'/></source></hostdev>"
        "<hostdev mode='subsystem' type='usb'><source><vendor id='0x10000'/>"
        "<product id='1'/></source></hostdev>"
        "<hostdev mode='subsystem' type='usb'><address type='usb' bus='0' port='1'/></hostdev>"
        "<hostdev mode='subsystem' type='usb'/>"
        /* a bad address falls back to a good vendor/product */
        "<hostdev mode='subsystem' type='usb'><source><vendor id='1027'/>"
        "<product id='0x7840'/><address bus='0' device='0'/></source></hostdev>"
        "</devices>"
        /* hostdevs elsewhere are not devices of this domain */
        "<hostdev mode='subsystem' type='usb'><source><address bus='9' device='9'/>"
        "</source></hostdev>"
        "<devices><hostdev type='usb'><source><address bus='255' device='127'/>"
        "</source></hostdev></devices>"
        "</domain>";
    static const struct virtxml_usb want[] = {
        { VIRTXML_USB_VIDPID, 0, 0, 0x0403, 0x7840, "" },
        { VIRTXML_USB_ADDR, 3, 8, 0, 0, "" },
        { VIRTXML_USB_VIDPID, 0, 0, 0x0403, 0x7840, "" },
        { VIRTXML_USB_ADDR, 255, 127, 0, 0, "" },
    };
    want_devices(xml, want, ARRAY_LEN(want));

    /* Nothing USB at all: n is 0 and the array NULL. */
    want_devices("<domain><devices><disk/></devices></domain>", NULL, 0);
    want_devices("<domain/>", NULL, 0);
}

static void test_devices_qemu(void **state)
{
    (void)state;
    static const char xml[] =
        "<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>"
        "<name>q</name>"
        "<qemu:commandline>"
        "<qemu:arg value='-device'/><qemu:arg value='usb-host,hostbus=3,hostport=2'/>"
        "<!-- comments and text between args do not matter -->\n"
        "<qemu:arg value='-device'/>  <qemu:arg value='usb-host,hostbus=5,hostaddr=7'/>"
        "<qemu:arg value='-device'/>"
        "<qemu:arg value='usb-host,vendorid=0x0403,productid=0x7840,id=bb1'/>"
        "<qemu:arg value='--device'/><qemu:arg value='driver=usb-host,hostbus=1,hostport=1.2'/>"
        "<qemu:arg value='-device'/><qemu:arg value='usb-host,vendorid=1027,productid=30784'/>"
        /* all filters are kept; port wins over address for the kind */
        "<qemu:arg value='-device'/>"
        "<qemu:arg value='usb-host,bus=usb.0,port=1,hostbus=0x5,hostaddr=9,hostport=4,"
        "vendorid=0x0403'/>"
        /* the last of a repeated option wins */
        "<qemu:arg value='-device'/><qemu:arg value='usb-host,hostbus=2,hostport=9,hostport=7'/>"
        /* seven levels, flags */
        "<qemu:arg value='-device'/>"
        "<qemu:arg value='usb-host,hostbus=4,hostport=1.2.3.4.5.6.7,guest-reset,nopipeline'/>"
        /* not usb-host, or not a -device value */
        "<qemu:arg value='-device'/><qemu:arg value='usb-tablet,id=t0'/>"
        "<qemu:arg value='usb-host,hostbus=6,hostport=1'/>"
        "<qemu:arg value='-device=usb-host,hostbus=6,hostport=1'/>"
        "<qemu:arg value='-usbdevice'/><qemu:arg value='host:6.1'/>"
        "<qemu:arg value='-device'/><qemu:arg value='-device'/>"
        "<qemu:arg value='usb-host,hostbus=6,hostport=2'/>"
        "<qemu:arg value='-device'/><qemu:arg value='usb-hostx,hostbus=6,hostport=3'/>"
        "<qemu:arg value='-device'/><qemu:arg value='driver=usb-host,,x,hostbus=6,hostport=4'/>"
        /* incomplete or malformed */
        "<qemu:arg value='-device'/><qemu:arg value='usb-host,hostport=2'/>"
        "<qemu:arg value='-device'/><qemu:arg value='usb-host,hostbus=3'/>"
        "<qemu:arg value='-device'/><qemu:arg value='usb-host,vendorid=0x0403'/>"
        "<qemu:arg value='-device'/><qemu:arg value='usb-host,hostbus=0,hostport=2'/>"
        "<qemu:arg value='-device'/><qemu:arg value='usb-host,hostbus=256,hostport=2'/>"
        "<qemu:arg value='-device'/><qemu:arg value='usb-host,hostbus=x,hostport=2'/>"
        "<qemu:arg value='-device'/><qemu:arg value='usb-host,hostbus=3,hostport=02'/>"
        "<qemu:arg value='-device'/><qemu:arg value='usb-host,hostbus=3,hostport=2..3'/>"
        "<qemu:arg value='-device'/><qemu:arg value='usb-host,hostbus=3,hostport=1,,2'/>"
        "<qemu:arg value='-device'/>"
        "<qemu:arg value='usb-host,hostbus=3,hostport=1.2.3.4.5.6.7.8'/>"
        "<qemu:arg value='-device'/><qemu:arg value='usb-host,hostbus=3,hostaddr=128'/>"
        "<qemu:arg value='-device'/>"
        "<qemu:arg value='usb-host,hostbus=3,hostport=2,vendorid=0x10000'/>"
        "<qemu:arg value='-device'/><qemu:arg value='usb-host,vendorid=0x0403,productid=0'/>"
        "<qemu:arg value='-device'/><qemu:arg value='usb-host'/>"
        "<qemu:arg value='-device'/><qemu:arg value=''/>"
        "<qemu:arg value='-device'/><qemu:arg/>"
        "<qemu:arg value='-device'/><qemu:arg value='usb-host,hostbus=1,hostport=1'/>"
        "<qemu:env name='X' value='1'/>"
        "<qemu:arg value='-device'/>"
        "</qemu:commandline>"
        "</domain>";
    static const struct virtxml_usb want[] = {
        { VIRTXML_USB_QEMU_PORT, 3, 0, 0, 0, "2" },
        { VIRTXML_USB_QEMU_ADDR, 5, 7, 0, 0, "" },
        { VIRTXML_USB_QEMU_VIDPID, 0, 0, 0x0403, 0x7840, "" },
        { VIRTXML_USB_QEMU_PORT, 1, 0, 0, 0, "1.2" },
        { VIRTXML_USB_QEMU_VIDPID, 0, 0, 0x0403, 0x7840, "" },
        { VIRTXML_USB_QEMU_PORT, 5, 9, 0x0403, 0, "4" },
        { VIRTXML_USB_QEMU_PORT, 2, 0, 0, 0, "7" },
        { VIRTXML_USB_QEMU_PORT, 4, 0, 0, 0, "1.2.3.4.5.6.7" },
        /* Skipped: usb-tablet, stray usb-host args, "-device -device
         * usb-host,..." (the second -device is the value), "driver=usb-host,,x"
         * (the driver "usb-host,x") and every malformed one.  This is the one
         * before <qemu:env>; the -device at the end has no value. */
        { VIRTXML_USB_QEMU_PORT, 1, 0, 0, 0, "1" },
    };
    want_devices(xml, want, ARRAY_LEN(want));
}

/* The JSON -device form (libvirt's own, and what qemu-args writes), as
 * libvirt hands it back: &quot; entities inside the attribute. */
static void test_devices_qemu_json(void **state)
{
    (void)state;
    static const char xml[] =
        "<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>"
        "<qemu:commandline>"
        "<qemu:arg value='-device'/>"
        "<qemu:arg value='{&quot;driver&quot;:&quot;usb-host&quot;,&quot;hostbus&quot;:5,"
        "&quot;hostport&quot;:&quot;2.3&quot;}'/>"
        "<qemu:arg value='-device'/>"
        "<qemu:arg value='{\"driver\":\"usb-host\",\"hostbus\":\"3\",\"hostaddr\":6}'/>"
        "<qemu:arg value='-device'/>"
        "<qemu:arg value='{\"driver\":\"usb-host\",\"vendorid\":1027,\"productid\":30784}'/>"
        /* skipped: another driver, bad JSON, negative, wrong types, no bus */
        "<qemu:arg value='-device'/><qemu:arg value='{\"driver\":\"usb-tablet\"}'/>"
        "<qemu:arg value='-device'/><qemu:arg value='{\"driver\":\"usb-host\",'/>"
        "<qemu:arg value='-device'/>"
        "<qemu:arg value='{\"driver\":\"usb-host\",\"hostbus\":-5,\"hostport\":\"1\"}'/>"
        "<qemu:arg value='-device'/>"
        "<qemu:arg value='{\"driver\":\"usb-host\",\"hostbus\":5,\"hostport\":2.5}'/>"
        "<qemu:arg value='-device'/>"
        "<qemu:arg value='{\"driver\":\"usb-host\",\"hostbus\":[5],\"hostport\":\"1\"}'/>"
        "<qemu:arg value='-device'/><qemu:arg value='{\"driver\":\"usb-host\",\"hostport\":\"1\"}'/>"
        "<qemu:arg value='-device'/><qemu:arg value='[\"usb-host\"]'/>"
        "</qemu:commandline></domain>";
    static const struct virtxml_usb want[] = {
        { VIRTXML_USB_QEMU_PORT, 5, 0, 0, 0, "2.3" },
        { VIRTXML_USB_QEMU_ADDR, 3, 6, 0, 0, "" },
        { VIRTXML_USB_QEMU_VIDPID, 0, 0, 0x0403, 0x7840, "" },
    };
    want_devices(xml, want, ARRAY_LEN(want));
}

static void test_devices_namespaces(void **state)
{
    (void)state;
    /* The namespace counts, whatever its prefix and wherever declared. */
    static const struct {
        const char *xml;
        struct virtxml_usb want;
    } found[] = {
        { "<domain type='kvm' xmlns:q='http://libvirt.org/schemas/domain/qemu/1.0'>"
          "<q:commandline><q:arg value='-device'/><q:arg value='usb-host,hostbus=3,hostport=2'/>"
          "</q:commandline></domain>",
          { VIRTXML_USB_QEMU_PORT, 3, 0, 0, 0, "2" } },
        { "<domain type='kvm'><devices/>"
          "<x:commandline xmlns:x='http://libvirt.org/schemas/domain/qemu/1.0'>"
          "<x:arg value='-device'/><x:arg value='usb-host,hostbus=4,hostport=3'/>"
          "</x:commandline></domain>",
          { VIRTXML_USB_QEMU_PORT, 4, 0, 0, 0, "3" } },
        { "<domain type='kvm'>"
          "<commandline xmlns='http://libvirt.org/schemas/domain/qemu/1.0'>"
          "<arg value='-device'/><arg value='usb-host,hostbus=4,hostport=4'/>"
          "</commandline></domain>",
          { VIRTXML_USB_QEMU_PORT, 4, 0, 0, 0, "4" } },
    };
    for (size_t i = 0; i < ARRAY_LEN(found); i++)
        want_devices(found[i].xml, &found[i].want, 1);

    /* The prefix alone means nothing: wrong URI, no namespace, undeclared. */
    static const char *const ignored[] = {
        "<domain xmlns:qemu='http://libvirt.org/schemas/domain/qemu/2.0'>"
        "<qemu:commandline><qemu:arg value='-device'/>"
        "<qemu:arg value='usb-host,hostbus=3,hostport=2'/></qemu:commandline></domain>",
        "<domain><commandline><arg value='-device'/>"
        "<arg value='usb-host,hostbus=3,hostport=2'/></commandline></domain>",
        "<domain><qemu:commandline><qemu:arg value='-device'/>"
        "<qemu:arg value='usb-host,hostbus=3,hostport=2'/></qemu:commandline></domain>",
        /* qemu:arg elements outside a commandline, or not at the top */
        "<domain xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>"
        "<qemu:arg value='-device'/><qemu:arg value='usb-host,hostbus=3,hostport=2'/></domain>",
        "<domain xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'><devices>"
        "<qemu:commandline><qemu:arg value='-device'/>"
        "<qemu:arg value='usb-host,hostbus=3,hostport=2'/></qemu:commandline></devices></domain>",
        /* libvirt elements in a namespace are not libvirt's */
        "<domain xmlns:v='urn:x'><v:devices><hostdev type='usb'><source>"
        "<address bus='1' device='2'/></source></hostdev></v:devices>"
        "<devices><v:hostdev type='usb'><source><address bus='1' device='2'/></source>"
        "</v:hostdev></devices></domain>",
    };
    for (size_t i = 0; i < ARRAY_LEN(ignored); i++)
        want_devices(ignored[i], NULL, 0);
}

/* Input that is not a libvirt domain, or that is hostile. */
static void test_devices_bad_input(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "not xml",
        "<domain>",
        "<domain></devices></domain>",
        "<domain><devices></domain>",
        "<domain a='1' a='2'/>",
        "<domain/><domain/>",
        "<?xml version='1.0'?>",
        "<node><domain type='test'><devices/></domain></node>",
        "<Domain/>",
        "<domain xmlns='http://libvirt.org/schemas/domain/1.0'/>",
        "<v:domain xmlns:v='urn:x'/>",
        "<domain>&nbsp;</domain>",
        "<domain attr='&undefined;'/>",
        "<!DOCTYPE domain><domain/>",
        "<!DOCTYPE domain SYSTEM 'file:///etc/passwd'><domain/>",
        "<!DOCTYPE domain [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><domain>&x;</domain>",
        "<!DOCTYPE domain [<!ENTITY x SYSTEM 'http://127.0.0.1:1/x'>]><domain>&x;</domain>",
        "<!DOCTYPE domain [<!ENTITY bus '3'>]><domain><devices><hostdev type='usb'><source>"
        "<address bus='&bus;' device='6'/></source></hostdev></devices></domain>",
        "<!DOCTYPE domain [\n"
        " <!ENTITY a0 'dos'>\n"
        " <!ENTITY a1 '&a0;&a0;&a0;&a0;&a0;&a0;&a0;&a0;&a0;&a0;'>\n"
        " <!ENTITY a2 '&a1;&a1;&a1;&a1;&a1;&a1;&a1;&a1;&a1;&a1;'>\n"
        " <!ENTITY a3 '&a2;&a2;&a2;&a2;&a2;&a2;&a2;&a2;&a2;&a2;'>\n"
        " <!ENTITY a4 '&a3;&a3;&a3;&a3;&a3;&a3;&a3;&a3;&a3;&a3;'>\n"
        " <!ENTITY a5 '&a4;&a4;&a4;&a4;&a4;&a4;&a4;&a4;&a4;&a4;'>\n"
        " <!ENTITY a6 '&a5;&a5;&a5;&a5;&a5;&a5;&a5;&a5;&a5;&a5;'>\n"
        " <!ENTITY a7 '&a6;&a6;&a6;&a6;&a6;&a6;&a6;&a6;&a6;&a6;'>\n"
        " <!ENTITY a8 '&a7;&a7;&a7;&a7;&a7;&a7;&a7;&a7;&a7;&a7;'>\n"
        " <!ENTITY a9 '&a8;&a8;&a8;&a8;&a8;&a8;&a8;&a8;&a8;&a8;'>\n"
        "]><domain><devices><hostdev type='usb' mode='&a9;'/></devices>&a9;</domain>",
        "<?xml version='1.0' encoding='no-such-charset'?><domain/>",
        "<?xml version='1.0' encoding='UTF-16'?><domain/>",
        "<domain>\xff\xfe</domain>",
        "<domain>\xc3</domain>",
    };
    FILE *tmp;
    int saved = quiet_begin(&tmp);
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        struct virtxml_usb *u = (struct virtxml_usb *)&saved;
        size_t n = 3;
        int rc = virtxml_usb_devices(bad[i], strlen(bad[i]), &u, &n);
        if (rc != -EINVAL)
            fail_msg("input %zu: rc %d", i, rc);
        assert_null(u);
        assert_int_equal(n, 0);
        struct virtxml_usbcheck c;
        memset(&c, 0x5A, sizeof(c));
        struct virtxml_usbcheck before = c;
        assert_int_equal(virtxml_usb_check(bad[i], strlen(bad[i]), &c), -EINVAL);
        assert_memory_equal(&c, &before, sizeof(c));
    }

    /* An embedded NUL: the length counts, and a NUL is not XML. */
    static const char nul[] = "<domain/>\0<x/>";
    struct virtxml_usb *u = NULL;
    size_t n = 0;
    assert_int_equal(virtxml_usb_devices(nul, sizeof(nul) - 1, &u, &n), -EINVAL);
    assert_int_equal(virtxml_usb_devices(nul, 9, &u, &n), 0);
    assert_int_equal(n, 0);
    /* A truncated length. */
    assert_int_equal(virtxml_usb_devices(live_pc, 100, &u, &n), -EINVAL);
    quiet_end(tmp, saved);

    /* Argument errors. */
    assert_int_equal(virtxml_usb_devices(NULL, 0, &u, &n), -EINVAL);
    assert_int_equal(virtxml_usb_devices(NULL, 5, &u, &n), -EINVAL);
    assert_int_equal(virtxml_usb_devices("<domain/>", 9, NULL, &n), -EINVAL);
    assert_int_equal(virtxml_usb_devices("<domain/>", 9, &u, NULL), -EINVAL);
    assert_int_equal(virtxml_usb_check("<domain/>", 9, NULL), -EINVAL);
    struct virtxml_usbcheck c;
    assert_int_equal(virtxml_usb_check(NULL, 9, &c), -EINVAL);

    /* Size limit: 16 MiB. */
    size_t big = 16u * 1024 * 1024 + 1;
    char *buf = malloc(big);
    assert_non_null(buf);
    memset(buf, ' ', big);
    memcpy(buf, "<domain>", 8);
    memcpy(buf + big - 9, "</domain>", 9);
    assert_int_equal(virtxml_usb_devices(buf, big, &u, &n), -EINVAL);
    assert_int_equal(virtxml_usb_check(buf, big, &c), -EINVAL);
    /* One byte less is accepted. */
    memcpy(buf + big - 10, "</domain>", 9);
    assert_int_equal(virtxml_usb_devices(buf, big - 1, &u, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(virtxml_usb_check(buf, big - 1, &c), 0);
    assert_int_equal(c.free_slot, 3);
    free(buf);
}

/* What libvirt writes parses back (comments, XML declaration, entities for
 * predefined characters). */
static void test_devices_accepts(void **state)
{
    (void)state;
    static const char xml[] =
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        "<!-- WARNING: THIS IS AN AUTO-GENERATED FILE. -->\n"
        "<domain type='kvm'>\n"
        "  <name>a&amp;b &#x263A;</name>\n"
        "  <devices>\n"
        "    <hostdev mode='subsystem' type='usb'>\n"
        "      <source><address bus='&#51;' device='6'/></source>\n"
        "    </hostdev>\n"
        "  </devices>\n"
        "</domain>\n";
    static const struct virtxml_usb want = { VIRTXML_USB_ADDR, 3, 6, 0, 0, "" };
    want_devices(xml, &want, 1);
}

/* ---- matching ---- */

static void test_matches(void **state)
{
    (void)state;
    struct devinfo d = mkdev(5, 7, "GTH4R8", "2.3");
    struct virtxml_usb u;

    memset(&u, 0, sizeof(u));
    u.kind = VIRTXML_USB_ADDR;
    u.bus = 5;
    u.dev = 7;
    assert_true(virtxml_usb_matches(&u, &d));
    u.dev = 6;
    assert_false(virtxml_usb_matches(&u, &d));
    u.dev = 7;
    u.bus = 3;
    assert_false(virtxml_usb_matches(&u, &d));
    u.kind = VIRTXML_USB_QEMU_ADDR;
    assert_false(virtxml_usb_matches(&u, &d));
    u.bus = 5;
    assert_true(virtxml_usb_matches(&u, &d));

    memset(&u, 0, sizeof(u));
    u.kind = VIRTXML_USB_VIDPID;
    u.vid = 0x0403;
    u.pid = 0x7840;
    assert_true(virtxml_usb_matches(&u, &d));
    u.kind = VIRTXML_USB_QEMU_VIDPID;
    assert_true(virtxml_usb_matches(&u, &d));
    struct devinfo other = d;
    other.pid = 0x6001;
    assert_false(virtxml_usb_matches(&u, &other));
    u.kind = VIRTXML_USB_VIDPID;
    assert_false(virtxml_usb_matches(&u, &other));

    memset(&u, 0, sizeof(u));
    u.kind = VIRTXML_USB_QEMU_PORT;
    u.bus = 5;
    strcpy(u.port, "2.3");
    assert_true(virtxml_usb_matches(&u, &d));
    strcpy(u.port, "2");
    assert_false(virtxml_usb_matches(&u, &d));
    strcpy(u.port, "2.3.1");
    assert_false(virtxml_usb_matches(&u, &d));
    strcpy(u.port, "2.3");
    u.bus = 4;
    assert_false(virtxml_usb_matches(&u, &d));
    u.bus = 5;
    /* Extra usb-host filters apply as in QEMU. */
    u.vid = 0x0403;
    assert_true(virtxml_usb_matches(&u, &d));
    u.vid = 0x1234;
    assert_false(virtxml_usb_matches(&u, &d));
    u.vid = 0;
    u.dev = 8;
    assert_false(virtxml_usb_matches(&u, &d));
    u.dev = 7;
    assert_true(virtxml_usb_matches(&u, &d));
    /* A device whose port is unknown never matches a port. */
    struct devinfo noport = d;
    noport.port[0] = '\0';
    assert_false(virtxml_usb_matches(&u, &noport));
    /* Entries missing what their kind needs match nothing. */
    u.port[0] = '\0';
    assert_false(virtxml_usb_matches(&u, &noport));
    memset(&u, 0, sizeof(u));
    u.kind = VIRTXML_USB_ADDR;
    struct devinfo zero;
    memset(&zero, 0, sizeof(zero));
    assert_false(virtxml_usb_matches(&u, &zero));
    u.kind = VIRTXML_USB_QEMU_VIDPID;
    assert_false(virtxml_usb_matches(&u, &zero));
    u.kind = (enum virtxml_usb_kind)42;
    assert_false(virtxml_usb_matches(&u, &d));

    assert_false(virtxml_usb_matches(NULL, &d));
    assert_false(virtxml_usb_matches(&u, NULL));

    /* The live fixture against the seed document's three devices. */
    struct devinfo devs[3] = {
        mkdev(3, 6, "GK9VZF", "2"),
        mkdev(5, 2, "GDYXTH", "4"),
        mkdev(5, 7, "GTH4R8", "2.3"),
    };
    struct virtxml_usb *v = NULL;
    size_t n = 0;
    assert_int_equal(devices(live_pc, &v, &n), 0);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < 3; i++)
        for (size_t j = 0; j < 3; j++)
            assert_int_equal(virtxml_usb_matches(&v[i], &devs[j]), i == j);
    free(v);
}

/* ---- controllers and PCI slots ---- */

static void test_check_live_pc(void **state)
{
    (void)state;
    /* 1..6 used by guest devices; 7 is only the PCI hostdev's host address. */
    want_check(live_pc, 1, 0, false, "piix3-uhci", 7);
    /* ICH9 EHCI with its UHCI companions; 1, 2, 3, 0x1d, 0x1f used on bus 0,
     * the rest sits behind root ports. */
    want_check(q35_ich9, 4, 1, false, "ich9-uhci1", 4);
}

static void test_check_pc_default(void **state)
{
    (void)state;
    want_check("<domain type='kvm'><os><type machine='pc'>hvm</type></os>"
               "<devices><controller type='usb' index='0'/></devices></domain>",
               1, 0, false, "piix3-uhci (default)", 3);
    /* No USB controller at all. */
    want_check("<domain/>", 0, 0, false, "", 3);
}

static void test_check_models(void **state)
{
    (void)state;
    static const char *const slow[] = {
        "piix3-uhci", "piix4-uhci", "ich9-uhci1",     "ich9-uhci2",    "ich9-uhci3",
        "pci-ohci",   "qusb1",      "vt82c686b-uhci", "something-new",
    };
    static const char *const fast[] = { "ehci", "ich9-ehci1", "nec-xhci", "qemu-xhci", "qusb2" };
    char xml[256];
    for (size_t i = 0; i < ARRAY_LEN(slow); i++) {
        snprintf(xml, sizeof(xml),
                 "<domain><devices><controller type='usb' model='%s'/></devices></domain>",
                 slow[i]);
        want_check(xml, 1, 0, false, slow[i], 3);
    }
    for (size_t i = 0; i < ARRAY_LEN(fast); i++) {
        snprintf(xml, sizeof(xml),
                 "<domain><devices><controller type='usb' model='%s'/></devices></domain>",
                 fast[i]);
        want_check(xml, 1, 1, false, "", 3);
    }
}

static void test_check_xhci_and_none(void **state)
{
    (void)state;
    want_check("<domain type='qemu'><devices>"
               "<controller type='usb' model='qemu-xhci'/>"
               "<controller type='scsi' model='virtio-scsi'/>"
               "<controller type='usb' index='1' model='nec-xhci'>"
               "<address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>"
               "</controller></devices></domain>",
               2, 2, false, "", 4);
    want_check("<domain><devices><controller type='usb' model='none'/></devices></domain>", 0,
               0, true, "", 3);
    /* Controllers outside <devices>, nested, or namespaced do not count. */
    want_check("<domain xmlns:v='urn:x'><controller type='usb' model='ehci'/>"
               "<devices><hub><controller type='usb'/></hub>"
               "<v:controller type='usb'/></devices></domain>",
               0, 0, false, "", 3);
}

static void test_check_slow_model_text(void **state)
{
    (void)state;
    char xml[512];
    char model[101];
    memset(model, 'm', 100);
    model[100] = '\0';
    snprintf(xml, sizeof(xml),
             "<domain><devices><controller type='usb' model='%s'/>"
             "<controller type='usb' model='pci-ohci'/></devices></domain>",
             model);
    struct virtxml_usbcheck c;
    assert_int_equal(check(xml, &c), 0);
    assert_int_equal(c.controllers, 2);
    assert_int_equal(strlen(c.slow_model), sizeof(c.slow_model) - 1);
    assert_memory_equal(c.slow_model, model, sizeof(c.slow_model) - 1);

    /* Control and non-ASCII characters are replaced, '' is the default. */
    want_check("<domain><devices><controller type='usb' model='a&#10;b\xc3\xa9'/>"
               "</devices></domain>",
               1, 0, false, "a?b??", 3);
    want_check("<domain><devices><controller type='usb' model=''/></devices></domain>", 1, 0,
               false, "piix3-uhci (default)", 3);
}

static void test_free_slot(void **state)
{
    (void)state;
    /* Every slot 3..31 on bus 0 in use, some in odd spellings. */
    char xml[8192];
    size_t off = (size_t)snprintf(xml, sizeof(xml), "<domain><devices>");
    for (int s = 3; s <= 31; s++) {
        if (s % 3 == 0)
            off += (size_t)snprintf(xml + off, sizeof(xml) - off,
                                    "<x><address type='pci' domain='0x0000' bus='0x00' "
                                    "slot='0x%02x' function='0x0'/></x>",
                                    (unsigned)s);
        else if (s % 3 == 1)
            off += (size_t)snprintf(xml + off, sizeof(xml) - off,
                                    "<y><z><address type='pci' slot='%d'/></z></y>", s);
        else
            off += (size_t)snprintf(xml + off, sizeof(xml) - off,
                                    "<address type='pci' bus='0' slot='0%o' function='3'/>",
                                    (unsigned)s);
    }
    snprintf(xml + off, sizeof(xml) - off, "</devices></domain>");
    want_check(xml, 0, 0, false, "", -1);

    /* Other buses and domains, other address types, host addresses,
     * unparsable and out-of-range slots leave slot 3 free. */
    want_check("<domain><devices>"
               "<a><address type='pci' domain='0x0000' bus='0x01' slot='0x03'/></a>"
               "<a><address type='pci' domain='0x0001' bus='0x00' slot='0x03'/></a>"
               "<a><address type='pci' domain='0x0000' bus='0x00' slot='3x'/></a>"
               "<a><address type='pci' domain='0x0000' bus='zero' slot='3'/></a>"
               "<a><address type='pci' domain='0x0000' bus='0x00' slot='0x20'/></a>"
               "<a><address type='pci' domain='0x0000' bus='0x00'/></a>"
               "<a><address type='usb' bus='0' port='3'/></a>"
               "<a><address type='drive' controller='0' bus='0' target='0' unit='3'/></a>"
               "<a><address type='ccw' cssid='0xfe' ssid='0x0' devno='0x0003'/></a>"
               "<hostdev mode='subsystem' type='pci'><source>"
               "<address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>"
               "</source></hostdev>"
               "<a><v:address xmlns:v='urn:x' type='pci' slot='3'/></a>"
               "<a><address type='pci' bus='0x00' slot='0x04'/></a>"
               "</devices>"
               "<address type='pci' bus='0x00' slot='0x03'/>"
               "</domain>",
               0, 0, false, "", 3);

    /* Only the lowest free one is reported. */
    want_check("<domain><devices>"
               "<address type='pci' slot='3'/><address type='pci' slot='4'/>"
               "<address type='pci' slot='6'/></devices><devices>"
               "<address type='pci' slot='5'/></devices></domain>",
               0, 0, false, "", 7);
}

/* ---- generators read back ---- */

static char *wrap_domain(const char *ns, const char *devices_xml, const char *tail)
{
    char *s = NULL;
    if (asprintf(&s, "<domain type='qemu'%s><name>t</name><devices>\n%s</devices>\n%s</domain>\n",
                 ns, devices_xml, tail) < 0)
        return NULL;
    return s;
}

static void test_roundtrip(void **state)
{
    (void)state;
    char *addr = virtxml_hostdev_addr(3, 6);
    char *vp = virtxml_hostdev_vidpid();
    char *xhci = virtxml_xhci_controller(9);
    struct devinfo d[2] = { mkdev(5, 2, "GDYXTH", "4"), mkdev(5, 7, "GTH4R8", "2.3") };
    char *cmd = virtxml_qemu_cmdline(d, 2, false);
    assert_non_null(addr);
    assert_non_null(vp);
    assert_non_null(xhci);
    assert_non_null(cmd);
    char devs[1024];
    snprintf(devs, sizeof(devs), "%s%s%s", addr, vp, xhci);
    char *xml =
        wrap_domain(" xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'", devs, cmd);
    assert_non_null(xml);

    static const struct virtxml_usb want[] = {
        { VIRTXML_USB_ADDR, 3, 6, 0, 0, "" },
        { VIRTXML_USB_VIDPID, 0, 0, 0x0403, 0x7840, "" },
        { VIRTXML_USB_QEMU_PORT, 5, 0, 0, 0, "4" },
        { VIRTXML_USB_QEMU_PORT, 5, 0, 0, 0, "2.3" },
    };
    struct virtxml_usb *u = parse_devices(xml, want, ARRAY_LEN(want));
    assert_true(virtxml_usb_matches(&u[2], &d[0]));
    assert_false(virtxml_usb_matches(&u[2], &d[1]));
    assert_true(virtxml_usb_matches(&u[3], &d[1]));
    assert_true(virtxml_usb_matches(&u[1], &d[0]));
    assert_true(virtxml_usb_matches(&u[1], &d[1]));
    free(u);

    want_check(xml, 1, 1, false, "", 3);
    free(xml);

    /* Without the namespace on <domain> the block is not even well-formed
     * (undeclared prefix), and nothing of it is read. */
    xml = wrap_domain("", "", cmd);
    assert_non_null(xml);
    size_t n = 99;
    FILE *tmp;
    int saved = quiet_begin(&tmp);
    int rc = devices(xml, &u, &n);
    quiet_end(tmp, saved);
    assert_true(rc == 0 || rc == -EINVAL);
    assert_int_equal(n, 0);
    free(xml);

    free(addr);
    free(vp);
    free(xhci);
    free(cmd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostdev_addr),
        cmocka_unit_test(test_hostdev_vidpid),
        cmocka_unit_test(test_qemu_cmdline),
        cmocka_unit_test(test_udev_rules),
        cmocka_unit_test(test_cgroup_acl),
        cmocka_unit_test(test_xhci_controller),
        cmocka_unit_test(test_devices_live),
        cmocka_unit_test(test_devices_hostdev_forms),
        cmocka_unit_test(test_devices_qemu),
        cmocka_unit_test(test_devices_qemu_json),
        cmocka_unit_test(test_devices_namespaces),
        cmocka_unit_test(test_devices_bad_input),
        cmocka_unit_test(test_devices_accepts),
        cmocka_unit_test(test_matches),
        cmocka_unit_test(test_check_live_pc),
        cmocka_unit_test(test_check_pc_default),
        cmocka_unit_test(test_check_models),
        cmocka_unit_test(test_check_xhci_and_none),
        cmocka_unit_test(test_check_slow_model_text),
        cmocka_unit_test(test_free_slot),
        cmocka_unit_test(test_roundtrip),
    };
    return unit_run(tests);
}
