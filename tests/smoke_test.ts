import { tf } from "../lib/tf.ts";
Deno.test("tf loads", () => {
  tf.tidy(() => {
    const y = tf.add(tf.scalar(1), tf.scalar(2)).dataSync()[0];
    if (y !== 3) throw new Error("bad");
  });
});
