package io.tokenwatch.launcher.bench;

/** The attacks the traffic generator injects, each with the rule it is meant to trip. */
public enum AttackType {
    /** A fresh token used within minutes from another continent, on a new device: impossible travel. */
    STOLEN_TOKEN_ABROAD("stolen_token_abroad"),
    /** One token used from three networks within minutes: token replay. */
    TOKEN_REPLAY("token_replay"),
    /** One subject at tens of times its hourly baseline from a script: rate spike. */
    SCRAPING_SPIKE("scraping_spike"),
    /** Many bad-signature tokens from one address, their unverified claims naming a victim: forged-token burst. */
    FORGED_TOKEN_FLOOD("forged_token_flood");

    private final String label;

    AttackType(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
