package io.tokenwatch.detector.profile;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The {@code user-profiles} store: subject key {@code iss|sub} → {@link UserProfile}, with the few
 * operations the processor needs. Not thread-safe; one instance per processor instance.
 */
public final class UserProfileStore {

    /** Name of the store; part of the upgrade contract (its changelog topic derives from it). */
    public static final String NAME = "user-profiles";

    /** Subject key {@code iss|sub} → what is normal for that subject. */
    private final KeyValueStore<String, UserProfile> profiles;

    public UserProfileStore(KeyValueStore<String, UserProfile> profiles) {
        this.profiles = Objects.requireNonNull(profiles, "profiles");
    }

    /**
     * A persistent store with the binary serde. Cached: a busy subject is written on every request, and
     * the cache turns that into one changelog record per subject per commit.
     */
    public static StoreBuilder<KeyValueStore<String, UserProfile>> storeBuilder() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(NAME), Serdes.String(),
                new UserProfileSerde()).withCachingEnabled();
    }

    /** The profile of {@code subjectKey}, or a fresh one whose history starts at {@code time}. */
    public UserProfile load(String subjectKey, long time) {
        UserProfile profile = profiles.get(subjectKey);
        return profile == null ? UserProfile.startingAt(time) : profile;
    }

    public void save(String subjectKey, UserProfile profile) {
        profiles.put(subjectKey, profile);
    }

    /** Deletes every profile with no learned request after {@code horizon}; returns how many. */
    public int expireIdleSince(long horizon) {
        List<String> idle = new ArrayList<>();
        try (KeyValueIterator<String, UserProfile> all = profiles.all()) {
            while (all.hasNext()) {
                var entry = all.next();
                if (entry.value.lastSeen() < horizon) {
                    idle.add(entry.key);
                }
            }
        }
        idle.forEach(profiles::delete);
        return idle.size();
    }
}
