package io.tokenwatch.filter.geo;

import io.tokenwatch.filter.clientip.Cidr;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal writer of MaxMind DB files (format 2.0, as published by MaxMind), for tests that need a
 * real database for the real {@code DatabaseReader} without downloading one. It writes:
 * <ol>
 *   <li>the binary search tree: one node per prefix bit, each node two records (bit 0, bit 1) of 24, 28
 *       or 32 bits; a record below the node count is a node, equal to it is "no data", above it points
 *       into the data section ({@code record - nodeCount - 16});</li>
 *   <li>16 zero bytes, the data section separator;</li>
 *   <li>the data section: each network's record, encoded with control bytes (type in the top three bits,
 *       size in the low five, extended types and sizes in following bytes);</li>
 *   <li>the metadata marker {@code \xAB\xCD\xEFMaxMind.com} and the metadata map.</li>
 * </ol>
 * Supported data types: map ({@link Map} with String keys), UTF-8 string ({@link String}), double
 * ({@link Double}), unsigned 16/32/64-bit integers ({@link U16}, {@link U32}, {@link U64}), boolean
 * ({@link Boolean}), array ({@link List}). No pointers: every record is written out in full.
 *
 * <p>An IPv6 database holds IPv4 networks under {@code ::/96}, as MaxMind's do. A more specific network
 * inserted inside a less specific one splits it. Not thread-safe; test code only.
 */
final class MmdbWriter {

    /** Unsigned 16-bit integer (type 5). */
    record U16(int value) {
    }

    /** Unsigned 32-bit integer (type 6). */
    record U32(long value) {
    }

    /** Unsigned 64-bit integer (type 9, extended). */
    record U64(long value) {
    }

    private static final byte[] METADATA_MARKER = {(byte) 0xAB, (byte) 0xCD, (byte) 0xEF,
            'M', 'a', 'x', 'M', 'i', 'n', 'd', '.', 'c', 'o', 'm'};

    private final String databaseType;
    private final int ipVersion;
    private final int recordSize;
    private final Node root = new Node();

    /** A tree node; each side is null (no data), a {@link Node} or a data {@link Map}. */
    private static final class Node {
        Object left;
        Object right;
    }

    MmdbWriter(String databaseType, int ipVersion, int recordSize) {
        if (ipVersion != 4 && ipVersion != 6) {
            throw new IllegalArgumentException("ip version 4 or 6");
        }
        if (recordSize != 24 && recordSize != 28 && recordSize != 32) {
            throw new IllegalArgumentException("record size 24, 28 or 32");
        }
        this.databaseType = databaseType;
        this.ipVersion = ipVersion;
        this.recordSize = recordSize;
    }

    /** Maps every address of {@code cidr} to {@code data}. */
    MmdbWriter insert(String cidr, Map<String, Object> data) {
        Cidr network = Cidr.parse(cidr);
        byte[] address = bytes(network);
        int prefix = network.prefixLength();
        if (network.network().isIpv4() && ipVersion == 6) {
            byte[] mapped = new byte[16];
            System.arraycopy(address, 0, mapped, 12, 4);
            address = mapped;
            prefix += 96;
        } else if (!network.network().isIpv4() && ipVersion == 4) {
            throw new IllegalArgumentException("IPv6 network in an IPv4 database: " + cidr);
        }
        if (prefix == 0) {
            throw new IllegalArgumentException("the whole address space cannot be one record here");
        }
        Node node = root;
        for (int bit = 0; bit < prefix - 1; bit++) {
            boolean one = bit(address, bit);
            Object child = one ? node.right : node.left;
            if (!(child instanceof Node)) {
                // Entering a shorter network's range (or nothing): split it so both halves keep its data.
                Node split = new Node();
                split.left = child;
                split.right = child;
                if (one) {
                    node.right = split;
                } else {
                    node.left = split;
                }
                child = split;
            }
            node = (Node) child;
        }
        if ((bit(address, prefix - 1) ? node.right : node.left) instanceof Node) {
            throw new IllegalArgumentException("insert less specific networks first: " + cidr);
        }
        if (bit(address, prefix - 1)) {
            node.right = data;
        } else {
            node.left = data;
        }
        return this;
    }

    /** The database file's bytes. */
    byte[] build() {
        List<Node> nodes = new ArrayList<>();
        Map<Node, Integer> numbers = new IdentityHashMap<>();
        number(root, nodes, numbers);
        long nodeCount = nodes.size();
        if (nodeCount >= (1L << recordSize)) {
            throw new IllegalStateException("too many nodes for " + recordSize + "-bit records");
        }

        ByteArrayOutputStream data = new ByteArrayOutputStream();
        Map<Object, Long> dataOffsets = new IdentityHashMap<>();
        ByteArrayOutputStream tree = new ByteArrayOutputStream();
        for (Node node : nodes) {
            long left = record(node.left, nodeCount, numbers, data, dataOffsets);
            long right = record(node.right, nodeCount, numbers, data, dataOffsets);
            writeNode(tree, left, right);
        }

        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("node_count", new U32(nodeCount));
        metadata.put("record_size", new U16(recordSize));
        metadata.put("ip_version", new U16(ipVersion));
        metadata.put("database_type", databaseType);
        metadata.put("languages", List.of("en"));
        metadata.put("binary_format_major_version", new U16(2));
        metadata.put("binary_format_minor_version", new U16(0));
        metadata.put("build_epoch", new U64(1_767_225_600L));
        metadata.put("description", Map.of("en", "tokenwatch test database"));

        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes(tree.toByteArray());
        file.writeBytes(new byte[16]);
        file.writeBytes(data.toByteArray());
        file.writeBytes(METADATA_MARKER);
        encode(file, metadata);
        return file.toByteArray();
    }

    Path write(Path file) {
        try {
            return Files.write(file, build());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Depth-first numbering; the root is node 0, as readers expect. */
    private static void number(Node node, List<Node> nodes, Map<Node, Integer> numbers) {
        numbers.put(node, nodes.size());
        nodes.add(node);
        if (node.left instanceof Node left) {
            number(left, nodes, numbers);
        }
        if (node.right instanceof Node right) {
            number(right, nodes, numbers);
        }
    }

    private static long record(Object side, long nodeCount, Map<Node, Integer> numbers, ByteArrayOutputStream data,
                               Map<Object, Long> dataOffsets) {
        if (side == null) {
            return nodeCount;
        }
        if (side instanceof Node node) {
            return numbers.get(node);
        }
        Long offset = dataOffsets.get(side);
        if (offset == null) {
            offset = (long) data.size();
            dataOffsets.put(side, offset);
            encode(data, side);
        }
        return nodeCount + 16 + offset;
    }

    private void writeNode(ByteArrayOutputStream out, long left, long right) {
        switch (recordSize) {
            case 24 -> {
                writeBigEndian(out, left, 3);
                writeBigEndian(out, right, 3);
            }
            case 28 -> {
                // The middle byte carries the top four bits of each record: left's high nibble, right's low.
                writeBigEndian(out, left & 0xFFFFFF, 3);
                out.write((int) (((left >>> 24) & 0x0F) << 4 | ((right >>> 24) & 0x0F)));
                writeBigEndian(out, right & 0xFFFFFF, 3);
            }
            default -> {
                writeBigEndian(out, left, 4);
                writeBigEndian(out, right, 4);
            }
        }
    }

    private static void encode(ByteArrayOutputStream out, Object value) {
        if (value instanceof String text) {
            byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
            control(out, 2, utf8.length);
            out.writeBytes(utf8);
        } else if (value instanceof Double number) {
            control(out, 3, 8);
            out.writeBytes(ByteBuffer.allocate(8).putDouble(number).array());
        } else if (value instanceof U16 number) {
            unsigned(out, 5, number.value(), 2);
        } else if (value instanceof U32 number) {
            unsigned(out, 6, number.value(), 4);
        } else if (value instanceof U64 number) {
            unsigned(out, 9, number.value(), 8);
        } else if (value instanceof Boolean flag) {
            // A boolean has no payload: its size is its value.
            control(out, 14, flag ? 1 : 0);
        } else if (value instanceof Map<?, ?> map) {
            control(out, 7, map.size());
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                encode(out, (String) entry.getKey());
                encode(out, entry.getValue());
            }
        } else if (value instanceof List<?> list) {
            control(out, 11, list.size());
            for (Object element : list) {
                encode(out, element);
            }
        } else {
            throw new IllegalArgumentException("no MaxMind DB type for " + value);
        }
    }

    /** An unsigned integer in as few big-endian bytes as it needs (the format allows leading zeros to go). */
    private static void unsigned(ByteArrayOutputStream out, int type, long value, int maxBytes) {
        int length = 0;
        for (long rest = value; rest != 0; rest >>>= 8) {
            length++;
        }
        if (length > maxBytes || value < 0 && maxBytes < 8) {
            throw new IllegalArgumentException(value + " does not fit type " + type);
        }
        control(out, type, length);
        writeBigEndian(out, value, length);
    }

    /**
     * The control byte: type in the top three bits (0 for an extended type, whose number minus 7 then
     * follows), size in the low five; sizes from 29 on continue in one to three bytes after the type.
     */
    private static void control(ByteArrayOutputStream out, int type, int size) {
        int sizeBits;
        byte[] sizeBytes;
        if (size < 29) {
            sizeBits = size;
            sizeBytes = new byte[0];
        } else if (size < 29 + 256) {
            sizeBits = 29;
            sizeBytes = new byte[] {(byte) (size - 29)};
        } else if (size < 285 + 65_536) {
            sizeBits = 30;
            int rest = size - 285;
            sizeBytes = new byte[] {(byte) (rest >>> 8), (byte) rest};
        } else {
            sizeBits = 31;
            int rest = size - 65_821;
            sizeBytes = new byte[] {(byte) (rest >>> 16), (byte) (rest >>> 8), (byte) rest};
        }
        if (type <= 7) {
            out.write(type << 5 | sizeBits);
        } else {
            out.write(sizeBits);
            out.write(type - 7);
        }
        out.writeBytes(sizeBytes);
    }

    private static void writeBigEndian(ByteArrayOutputStream out, long value, int length) {
        for (int i = length - 1; i >= 0; i--) {
            out.write((int) (value >>> (8 * i)) & 0xFF);
        }
    }

    private static boolean bit(byte[] address, int index) {
        return (address[index / 8] >>> (7 - index % 8) & 1) == 1;
    }

    private static byte[] bytes(Cidr network) {
        // IpAddress keeps its bytes to itself; its InetAddress form gives them without a lookup.
        return network.network().toInetAddress().getAddress();
    }
}
