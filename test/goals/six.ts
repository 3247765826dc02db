/** The six-task example of the issue ("add rate limiting to our API"), as create_tasks input. */
export const SIX_TASKS = [
  { ref: "research", title: "Research rate limiting options", priority: "medium", estimate: 2 },
  { ref: "design", title: "Design the limiter", depends_on: ["research"], priority: "medium", estimate: 3 },
  { ref: "implement", title: "Implement the limiter", depends_on: ["design"], priority: "high", estimate: 8 },
  { ref: "tests", title: "Write tests", depends_on: ["implement"], priority: "medium", estimate: 3 },
  { ref: "docs", title: "Write the docs", depends_on: ["implement"], priority: "low", estimate: 1 },
  {
    ref: "security",
    title: "Security review",
    depends_on: ["implement"],
    priority: "high",
    estimate: 2,
  },
] as const;
