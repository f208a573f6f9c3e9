package io.tokenwatch.filter.gateway;

import io.micronaut.context.annotation.ConfigurationProperties;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code tokenwatch.gateway.*}: where the sidecar gateway forwards accepted requests, and how it
 * tells the upstream who the caller is.
 *
 * <pre>
 * tokenwatch.gateway.upstream              (required) base URL, e.g. http://127.0.0.1:9000 (a path is a prefix)
 * tokenwatch.gateway.subject-header        X-Tokenwatch-Subject   set to the verified subject, client copies removed
 * tokenwatch.gateway.subject-format        iss-sub   iss-sub: "iss|sub" (DESIGN.md's subject key); sub: sub alone
 * tokenwatch.gateway.forward-authorization true      pass the client's Authorization header upstream
 * tokenwatch.gateway.local-paths           /health/**, /prometheus   served by the gateway itself, never proxied
 * tokenwatch.gateway.connect-timeout       5s
 * tokenwatch.gateway.read-timeout          30s
 * tokenwatch.gateway.allowed-methods       GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS   others get 405
 * micronaut.server.max-request-size        10MB      a larger body gets 413 (declared: before it is read)
 * </pre>
 *
 * <p>Only HTTP/1.0 and HTTP/1.1 are spoken; any other version gets 505 ({@link RequestLineGuard}).
 *
 * <p>The filter's own settings stay under {@code tokenwatch.filter.*}. A path excluded from token
 * checks ({@code tokenwatch.filter.excluded-paths}) that is not a local path is proxied without a
 * subject header. Mutable, as Micronaut binds it; read once at start. Not thread-safe.
 */
@ConfigurationProperties(GatewayConfiguration.PREFIX)
public class GatewayConfiguration {

    public static final String PREFIX = "tokenwatch.gateway";
    public static final String DEFAULT_SUBJECT_HEADER = "X-Tokenwatch-Subject";
    /** RFC 9110 §9.3 methods a REST upstream serves; TRACE and CONNECT are a proxy's risk, not a service's need. */
    public static final List<String> DEFAULT_ALLOWED_METHODS =
            List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

    /** What the subject header carries. */
    public enum SubjectFormat {
        /** {@code iss|sub}: unambiguous however many issuers the upstream hears of. */
        ISS_SUB,
        /** {@code sub} alone: for upstreams that know the issuer already. */
        SUB
    }

    private String upstream;
    private String subjectHeader = DEFAULT_SUBJECT_HEADER;
    private SubjectFormat subjectFormat = SubjectFormat.ISS_SUB;
    private boolean forwardAuthorization = true;
    private List<String> localPaths = new ArrayList<>(List.of("/health/**", "/prometheus"));
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration readTimeout = Duration.ofSeconds(30);
    private List<String> allowedMethods = new ArrayList<>(DEFAULT_ALLOWED_METHODS);

    public String getUpstream() {
        return upstream;
    }

    public void setUpstream(String upstream) {
        this.upstream = upstream;
    }

    public String getSubjectHeader() {
        return subjectHeader;
    }

    public void setSubjectHeader(String subjectHeader) {
        this.subjectHeader = subjectHeader;
    }

    public SubjectFormat getSubjectFormat() {
        return subjectFormat;
    }

    public void setSubjectFormat(SubjectFormat subjectFormat) {
        this.subjectFormat = subjectFormat;
    }

    public boolean isForwardAuthorization() {
        return forwardAuthorization;
    }

    public void setForwardAuthorization(boolean forwardAuthorization) {
        this.forwardAuthorization = forwardAuthorization;
    }

    public List<String> getLocalPaths() {
        return localPaths;
    }

    public void setLocalPaths(List<String> localPaths) {
        this.localPaths = localPaths == null ? new ArrayList<>() : new ArrayList<>(localPaths);
    }

    public Duration getConnectTimeout() {
        return connectTimeout;
    }

    public void setConnectTimeout(Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
    }

    public Duration getReadTimeout() {
        return readTimeout;
    }

    public void setReadTimeout(Duration readTimeout) {
        this.readTimeout = readTimeout;
    }

    public List<String> getAllowedMethods() {
        return allowedMethods;
    }

    public void setAllowedMethods(List<String> allowedMethods) {
        this.allowedMethods = allowedMethods == null ? new ArrayList<>() : new ArrayList<>(allowedMethods);
    }
}
