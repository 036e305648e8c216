// Readiness probe and topic setup for the local Kafka broker, in one JVM launch
// (each JVM start costs 1-2 s, so this replaces a TopicCommand --list plus one
// TopicCommand --create per topic). Compiled once by scripts/stack/kafka.sh.
//
// usage: KafkaAdmin BOOTSTRAP TIMEOUT_MS PARTITIONS [TOPIC...]
//   waits until the broker lists topics (bounded by TIMEOUT_MS), then creates the
//   missing TOPICs with PARTITIONS partitions and replication factor 1.
//   exit 0: ready (and topics exist), 1: not ready in time or creation failed.

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

public final class KafkaAdmin {
  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println("usage: KafkaAdmin BOOTSTRAP TIMEOUT_MS PARTITIONS [TOPIC...]");
      System.exit(2);
    }
    String bootstrap = args[0];
    long deadline = System.currentTimeMillis() + Long.parseLong(args[1]);
    int partitions = Integer.parseInt(args[2]);
    List<String> wanted = new ArrayList<>(List.of(args).subList(3, args.length));

    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
    props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
    props.put(AdminClientConfig.CLIENT_ID_CONFIG, "parley-stack");

    try (Admin admin = Admin.create(props)) {
      Set<String> existing = null;
      Exception last = null;
      while (existing == null && System.currentTimeMillis() < deadline) {
        try {
          existing = admin.listTopics().names().get(5, TimeUnit.SECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
          last = e;
          Thread.sleep(300);
        }
      }
      if (existing == null) {
        System.err.println("kafka: broker at " + bootstrap + " not ready: " + last);
        System.exit(1);
      }
      wanted.removeAll(existing);
      if (wanted.isEmpty()) {
        return;
      }
      List<NewTopic> topics = new ArrayList<>();
      for (String name : wanted) {
        topics.add(new NewTopic(name, partitions, (short) 1));
      }
      CreateTopicsResult result = admin.createTopics(topics);
      boolean failed = false;
      for (String name : wanted) {
        try {
          result.values().get(name).get(30, TimeUnit.SECONDS);
          System.out.println("stack: kafka topic " + name + " created");
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            System.err.println("kafka: creating topic " + name + " failed: " + e.getCause());
            failed = true;
          }
        }
      }
      if (failed) {
        System.exit(1);
      }
    }
  }
}
