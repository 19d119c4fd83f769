/** One row of dwh.dim_time. */
export interface TimeRow {
  time_key: number;
  minute_of_day: number;
  hour_of_day: number;
  minute_of_hour: number;
  time_label: string;
  hour_label: string;
  period_of_day: "night" | "morning" | "afternoon" | "evening";
  period_of_day_fr: string;
  is_business_hours: boolean;
  is_night: boolean;
}

const PERIOD_FR = { night: "nuit", morning: "matin", afternoon: "après-midi", evening: "soir" } as const;

export function periodOfDay(hour: number): TimeRow["period_of_day"] {
  if (hour >= 22 || hour < 6) return "night";
  if (hour < 12) return "morning";
  if (hour < 18) return "afternoon";
  return "evening";
}

const pad = (n: number) => String(n).padStart(2, "0");

/** The 1,440 minutes of a day. */
export function timeRows(): TimeRow[] {
  return Array.from({ length: 1440 }, (_, minuteOfDay) => {
    const hour = Math.floor(minuteOfDay / 60);
    const minute = minuteOfDay % 60;
    const period = periodOfDay(hour);
    return {
      time_key: hour * 100 + minute,
      minute_of_day: minuteOfDay,
      hour_of_day: hour,
      minute_of_hour: minute,
      time_label: `${pad(hour)}:${pad(minute)}`,
      hour_label: `${pad(hour)}h-${pad((hour + 1) % 24)}h`,
      period_of_day: period,
      period_of_day_fr: PERIOD_FR[period],
      is_business_hours: hour >= 8 && hour < 18,
      is_night: period === "night",
    };
  });
}
