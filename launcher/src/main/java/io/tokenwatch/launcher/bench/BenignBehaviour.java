package io.tokenwatch.launcher.bench;

/**
 * What legitimate users and services do that a detector must live with (issue 10, item 8). A user
 * usually has several; the report gives false alarms and containment per behaviour, so a figure can
 * be traced to the behaviour that causes it.
 */
public enum BenignBehaviour {
    /** Every benign subject: the row the totals are computed on. */
    ALL("all benign"),
    /** Phone and laptop in use at once, on different networks. */
    MULTI_DEVICE("multi_device"),
    /** Phone on mobile data: carrier-grade NAT pool addresses, located at the gateway or country centroid. */
    CELLULAR_NAT("cellular_nat"),
    /** Abroad for days: laptop on the hotel's network there, phone home-routed and so located at home. */
    ROAMING("roaming"),
    /** A train trip to another city in the home region. */
    TRAIN_TRIP("train_trip"),
    /** Laptop through a commercial VPN whose exit is in another country, switched on and off. */
    VPN("vpn"),
    /** Staff of one company: hundreds of people behind one office NAT address on working days. */
    CORPORATE_NAT("corporate_nat"),
    /** A service account: one cached token shared by several cloud egress addresses, around the clock. */
    SERVICE_ACCOUNT("service_account"),
    /** Night shifts: active from the evening to the morning, local time. */
    NIGHT_SHIFT("night_shift"),
    /** Home five or more hours away from UTC (the Americas, Asia-Pacific). */
    FAR_TIME_ZONE("far_time_zone"),
    /** A team at 3 to 5 times its usual volume for the whole month-end reporting day. */
    MONTH_END_BURST("month_end_burst"),
    /** First seen in the evaluation window: no history at all. */
    NEW_JOINER("new_joiner"),
    /** A client that sends its expired 1 h token once before refreshing, on every rotation. */
    LAZY_REFRESH("lazy_token_refresh"),
    /** A client stuck retrying one expired token every few seconds for minutes. */
    EXPIRED_RETRY("expired_retry"),
    /** The company whose issuer rotated its signing key in the wrong order: unknown_key for a new kid. */
    KEY_ROTATION("key_rotation_wrong_order"),
    /** A new phone in the evaluation window. */
    NEW_PHONE("new_phone");

    private final String label;

    BenignBehaviour(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
