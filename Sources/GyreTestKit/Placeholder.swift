// Placeholder until GyreTestKit lands.
