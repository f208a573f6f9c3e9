package io.tokenwatch.launcher.bench;

/**
 * The attacks the traffic generator injects. Each is described by what the attacker does, never by a
 * detector rule it should trip: the benchmark measures whether the detector notices, not whether a
 * particular rule exists.
 */
public enum AttackType {
    /** A stolen live token used from another country (neighbouring or another continent), new device and user agent. */
    STOLEN_TOKEN_ABROAD("stolen_token_abroad", false),
    /** One copied token used within minutes from three or four networks in the victim's country. */
    TOKEN_REPLAY("token_replay", false),
    /** Theft in the victim's own city with the device id and user agent copied: only the network differs, interleaved with the victim. */
    SAME_CITY_THEFT("same_city_theft", false),
    /** A script on the victim's own device, network and session at 20 to 50 times that (light) user's baseline. */
    SCRAPING_OWN_DEVICE("scraping_own_device", false),
    /** Scraping at 3 to 4 times the victim's baseline, sustained for four to eight hours. */
    LOW_AND_SLOW("low_and_slow_scraping", false),
    /** A scraping burst of 40 to 60 minutes straddling a full hour. */
    SPLIT_BURST("burst_across_hour", false),
    /** Forged tokens naming one victim from hundreds of addresses, one to three requests each. */
    FORGED_FLOOD_DISTRIBUTED("forged_flood_distributed", true),
    /** Forged tokens from one address paced at 15 to 19 a minute for up to two hours. */
    FORGED_FLOOD_PACED("forged_flood_paced", true),
    /** A stash of 30 to 45 of the victim's expired tokens tried one by one over 15 to 20 minutes. */
    EXPIRED_TOKEN_STASH("expired_token_stash", false),
    /** A 6 to 20 hour token (the issuer mints 1 hour tokens) for a subject never seen before. */
    LONG_LIVED_NEW_SUBJECT("long_lived_new_subject", false),
    /** A stolen live token used from a hosting or VPN network in the victim's own country. */
    ANONYMOUS_NETWORK_THEFT("anonymous_network_theft", false);

    private final String label;
    private final boolean forgery;

    AttackType(String label, boolean forgery) {
        this.label = label;
        this.forgery = forgery;
    }

    public String label() {
        return label;
    }

    /**
     * True when the attacker holds no valid token and only names the victim: the victim must never be
     * contained for it (DESIGN.md §4).
     */
    public boolean isForgery() {
        return forgery;
    }
}
