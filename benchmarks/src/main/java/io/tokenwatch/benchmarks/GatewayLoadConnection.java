package io.tokenwatch.benchmarks;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One persistent HTTP/1.1 connection of the gateway load run: writes a prepared request, reads the
 * whole response (status line, headers, a {@code Content-Length} or chunked body, RFC 9112 §6) and
 * returns the status, so the next request can go out on the same socket. Bodies are read and dropped.
 * A response that asks to close the connection ({@code Connection: close}) or a socket failure makes
 * the next request reconnect; reconnects are counted, since they change what is measured.
 *
 * <p>Raw sockets rather than {@code java.net.http.HttpClient}: the client's own cost stays small and
 * the same for both gateways, and there is exactly one request in flight per connection.
 *
 * <p>Not thread-safe: one connection per load thread.
 */
final class GatewayLoadConnection implements AutoCloseable {

    private static final int MAX_LINE = 16 * 1024;

    private final InetSocketAddress address;
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private long reconnects;

    GatewayLoadConnection(InetSocketAddress address) {
        this.address = address;
    }

    /** Sends {@code request} (a complete HTTP/1.1 request head, no body) and returns the response status. */
    int exchange(byte[] request) throws IOException {
        if (socket == null) {
            connect();
        }
        try {
            out.write(request);
            out.flush();
            return readResponse();
        } catch (IOException e) {
            closeSocket();
            throw e;
        }
    }

    /** Times the connection had to be opened again after the first time. */
    long reconnects() {
        return reconnects;
    }

    private void connect() throws IOException {
        if (in != null) {
            reconnects++;
        }
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.connect(address, 5_000);
        s.setSoTimeout(30_000);
        socket = s;
        in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
        out = s.getOutputStream();
    }

    private int readResponse() throws IOException {
        String statusLine = readLine();
        // RFC 9112 §4: HTTP-version SP status-code SP [reason-phrase]
        if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12) {
            throw new IOException("not an HTTP/1.x status line: " + statusLine);
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        long contentLength = -1;
        boolean chunked = false;
        boolean close = statusLine.startsWith("HTTP/1.0");
        for (String line = readLine(); !line.isEmpty(); line = readLine()) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("malformed header line: " + line);
            }
            String name = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).strip().toLowerCase(Locale.ROOT);
            switch (name) {
                case "content-length" -> contentLength = Long.parseLong(value);
                case "transfer-encoding" -> chunked = value.endsWith("chunked");
                case "connection" -> close |= value.contains("close");
                default -> {
                }
            }
        }
        boolean noBody = status == 204 || status == 304 || (status >= 100 && status < 200);
        if (!noBody) {
            if (chunked) {
                skipChunkedBody();
            } else if (contentLength >= 0) {
                skip(contentLength);
            } else {
                // RFC 9112 §6.3: no length and not chunked means the body runs to the end of the connection.
                while (in.read() >= 0) {
                    // drain
                }
                close = true;
            }
        }
        if (close) {
            closeSocket();
        }
        return status;
    }

    /** RFC 9112 §7.1: chunk-size [ext] CRLF data CRLF ... last-chunk trailer CRLF. */
    private void skipChunkedBody() throws IOException {
        while (true) {
            String sizeLine = readLine();
            int semicolon = sizeLine.indexOf(';');
            String hex = (semicolon >= 0 ? sizeLine.substring(0, semicolon) : sizeLine).strip();
            long size = Long.parseLong(hex, 16);
            if (size == 0) {
                for (String trailer = readLine(); !trailer.isEmpty(); trailer = readLine()) {
                    // trailer fields are dropped
                }
                return;
            }
            skip(size);
            if (!readLine().isEmpty()) {
                throw new IOException("chunk not followed by CRLF");
            }
        }
    }

    private void skip(long bytes) throws IOException {
        long left = bytes;
        while (left > 0) {
            long skipped = in.skip(left);
            if (skipped <= 0) {
                if (in.read() < 0) {
                    throw new EOFException("connection closed inside a body");
                }
                skipped = 1;
            }
            left -= skipped;
        }
    }

    private String readLine() throws IOException {
        StringBuilder line = new StringBuilder(64);
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed inside a response head");
            }
            if (b == '\n') {
                int end = line.length();
                if (end > 0 && line.charAt(end - 1) == '\r') {
                    line.setLength(end - 1);
                }
                return line.toString();
            }
            if (line.length() >= MAX_LINE) {
                throw new IOException("response line longer than " + MAX_LINE + " bytes");
            }
            line.append((char) b);
        }
    }

    /** A GET request head for {@code path} with the given extra header lines (each without CRLF). */
    static byte[] get(String host, String path, String... headerLines) {
        StringBuilder request = new StringBuilder(256).append("GET ").append(path).append(" HTTP/1.1\r\n")
                .append("Host: ").append(host).append("\r\n");
        for (String header : headerLines) {
            request.append(header).append("\r\n");
        }
        return request.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private void closeSocket() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // Closing a broken socket; nothing more to learn from it.
            }
            socket = null;
        }
    }

    @Override
    public void close() {
        closeSocket();
    }
}
