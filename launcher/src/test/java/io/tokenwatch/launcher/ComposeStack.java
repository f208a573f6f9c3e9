package io.tokenwatch.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The project's docker-compose.yml driven through the Docker and Compose command lines, the way a
 * user drives it: {@code docker compose} (the plugin) where installed, else {@code docker-compose}.
 * Each instance is one Compose project with its own name, image tag, host ports and edge subnet, so
 * runs from several checkouts on one machine do not meet.
 *
 * <p>The command lines rather than testcontainers' {@code ComposeContainer}: that one needs images
 * pulled from a registry (its Compose container, Ryuk, a socat ambassador per exposed service), and
 * the machines this must run on reach none.
 *
 * <p>Not thread-safe; one test drives one stack.
 */
final class ComposeStack {

    /** What a command printed and how it ended. */
    record Result(int exitCode, String output) {
        Result requireSuccess(String what) {
            if (exitCode != 0) {
                throw new AssertionError(what + " exited " + exitCode + ":\n" + tail(output, 4000));
            }
            return this;
        }
    }

    private final Path root;
    private final List<String> compose;
    private final Map<String, String> env = new LinkedHashMap<>();

    ComposeStack(Path root, List<String> compose, String project, String image, String edgeSubnet) {
        this.root = root;
        this.compose = List.copyOf(compose);
        env.put("COMPOSE_PROJECT_NAME", project);
        env.put("TOKENWATCH_IMAGE", image);
        env.put("TOKENWATCH_EDGE_SUBNET", edgeSubnet);
        // Host port 0: Docker picks free ports; the test asks for them with `port`.
        env.put("TOKENWATCH_GATEWAY_PORT", "0");
        env.put("TOKENWATCH_ISSUER_PORT", "0");
    }

    /** Why no engine can be used here, or empty when {@code docker info} answers. */
    static Optional<String> engineUnavailable() {
        try {
            Result info = run(Path.of("."), Map.of(), Duration.ofSeconds(30), "docker", "info", "--format",
                    "{{.ServerVersion}}");
            return info.exitCode() == 0 ? Optional.empty()
                    : Optional.of("no Docker engine answers (docker info: " + firstLine(info.output()) + ")");
        } catch (UncheckedIOException e) {
            return Optional.of("no docker command on this machine (" + e.getCause().getMessage() + ")");
        }
    }

    /** {@code docker compose} or {@code docker-compose}, whichever answers; empty when neither does. */
    static Optional<List<String>> composeCommand() {
        for (List<String> candidate : List.of(List.of("docker", "compose"), List.of("docker-compose"))) {
            try {
                List<String> version = new ArrayList<>(candidate);
                version.add("version");
                if (run(Path.of("."), Map.of(), Duration.ofSeconds(30), version.toArray(String[]::new)).exitCode() == 0) {
                    return Optional.of(candidate);
                }
            } catch (UncheckedIOException e) {
                // Not installed: try the next one.
            }
        }
        return Optional.empty();
    }

    /** {@code compose ARGS} in the repository root with this stack's environment. */
    Result compose(Duration timeout, String... args) {
        List<String> command = new ArrayList<>(compose);
        command.addAll(Arrays.asList(args));
        return run(root, env, timeout, command.toArray(String[]::new));
    }

    /** {@code docker ARGS}. */
    Result docker(Duration timeout, String... args) {
        List<String> command = new ArrayList<>(List.of("docker"));
        command.addAll(Arrays.asList(args));
        return run(root, env, timeout, command.toArray(String[]::new));
    }

    /** The host port Docker published for {@code service}'s container port. */
    int hostPort(String service, int containerPort) {
        String out = compose(Duration.ofSeconds(30), "port", service, Integer.toString(containerPort))
                .requireSuccess("port " + service).output().strip();
        String last = out.lines().reduce((a, b) -> b).orElse("");
        return Integer.parseInt(last.substring(last.lastIndexOf(':') + 1).strip());
    }

    /** The health of {@code service}'s container ({@code healthy}, {@code starting}, ...), or its state. */
    String health(String service) {
        String id = compose(Duration.ofSeconds(30), "ps", "-q", service).output().strip();
        if (id.isEmpty()) {
            return "absent";
        }
        return docker(Duration.ofSeconds(30), "inspect", "-f",
                "{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}", id.lines().findFirst()
                        .orElseThrow()).output().strip();
    }

    static Result run(Path dir, Map<String, String> env, Duration timeout, String... command) {
        try {
            Path out = Files.createTempFile("compose-stack", ".out");
            try {
                ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                        .redirectOutput(out.toFile());
                builder.environment().putAll(env);
                Process process = builder.start();
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    throw new AssertionError(String.join(" ", command.length > 3
                            ? Arrays.asList(command).subList(0, 3) : Arrays.asList(command))
                            + " ... did not finish within " + timeout.toSeconds() + " s:\n"
                            + tail(Files.readString(out, StandardCharsets.UTF_8), 4000));
                }
                return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static String tail(String text, int chars) {
        return text.length() <= chars ? text : "..." + text.substring(text.length() - chars);
    }

    private static String firstLine(String text) {
        return text.lines().filter(l -> !l.isBlank()).findFirst().orElse("no output").strip();
    }
}
