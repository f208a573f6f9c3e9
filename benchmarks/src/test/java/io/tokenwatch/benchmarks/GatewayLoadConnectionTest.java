package io.tokenwatch.benchmarks;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The load run's HTTP/1.1 client against a socket server that answers with canned responses. */
class GatewayLoadConnectionTest {

    private ServerSocket server;
    private final List<String> requestHeads = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void shouldReadLengthAndChunkedResponsesBackToBackOnOneConnection() throws Exception {
        serve(List.of(
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
                "HTTP/1.1 401 Unauthorized\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nabcd\r\n3\r\nefg\r\n0\r\nT: 1\r\n\r\n",
                "HTTP/1.1 204 No Content\r\n\r\n",
                "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"), 1);

        try (GatewayLoadConnection connection = new GatewayLoadConnection(address())) {
            byte[] request = GatewayLoadConnection.get("h:1", "/api/items/1", "Authorization: Bearer t");
            assertThat(connection.exchange(request)).isEqualTo(200);
            assertThat(connection.exchange(request)).isEqualTo(401);
            assertThat(connection.exchange(request)).isEqualTo(204);
            assertThat(connection.exchange(request)).isEqualTo(200);
            assertThat(connection.reconnects()).isZero();
        }
        assertThat(requestHeads).hasSize(4).allSatisfy(head -> assertThat(head)
                .isEqualTo("GET /api/items/1 HTTP/1.1\r\nHost: h:1\r\nAuthorization: Bearer t\r\n\r\n"));
    }

    @Test
    void shouldReconnectAfterTheServerAskedToClose() throws Exception {
        serve(List.of("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"), 2);

        try (GatewayLoadConnection connection = new GatewayLoadConnection(address())) {
            byte[] request = GatewayLoadConnection.get("h", "/");
            assertThat(connection.exchange(request)).isEqualTo(200);
            assertThat(connection.exchange(request)).isEqualTo(200);
            assertThat(connection.reconnects()).isEqualTo(1);
        }
    }

    @Test
    void shouldFailOnSomethingThatIsNotHttp() throws Exception {
        serve(List.of("SSH-2.0-OpenSSH\r\n\r\n"), 1);

        try (GatewayLoadConnection connection = new GatewayLoadConnection(address())) {
            assertThatThrownBy(() -> connection.exchange(GatewayLoadConnection.get("h", "/")))
                    .isInstanceOf(IOException.class).hasMessageContaining("not an HTTP/1.x status line");
        }
    }

    private InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
    }

    /**
     * Accepts {@code connections} connections one after another; on each, answers request heads with
     * the canned responses in order (starting over on every connection), until the client closes.
     */
    private void serve(List<String> responses, int connections) throws IOException {
        server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        Thread thread = new Thread(() -> {
            try {
                for (int c = 0; c < connections; c++) {
                    try (Socket socket = server.accept()) {
                        InputStream in = socket.getInputStream();
                        OutputStream out = socket.getOutputStream();
                        for (String response : responses) {
                            String head = readHead(in);
                            if (head == null) {
                                break;
                            }
                            requestHeads.add(head);
                            out.write(response.getBytes(StandardCharsets.ISO_8859_1));
                            out.flush();
                        }
                    }
                }
            } catch (IOException e) {
                // The test closed the server socket.
            }
        }, "canned-http");
        thread.setDaemon(true);
        thread.start();
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            String text = head.toString(StandardCharsets.ISO_8859_1);
            if (text.endsWith("\r\n\r\n")) {
                return text;
            }
        }
        return null;
    }
}
