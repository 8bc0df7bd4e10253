#include "common/physics/validation_report.h"

#include <gtest/gtest.h>

#include "common/physics/validate.h"
#include "toy_showers.h"

namespace cascade::physics {
namespace {

TEST(ValidationReportTest, JsonRoundTripKeepsEveryField) {
  const auto ref = testing::ToyElectronShowers(60, 11), cand = testing::ToyElectronShowers(60, 12);
  const auto r = Validate(ref.View(), cand.View());
  ASSERT_TRUE(r.ok()) << r.status();
  const std::string text = nlohmann::json(*r).dump();
  const auto back = ValidationReportFromJson(text);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(nlohmann::json(*back).dump(), text);
  EXPECT_DOUBLE_EQ(back->sf_mre, r->sf_mre);
  EXPECT_EQ(back->bins.size(), r->bins.size());
  EXPECT_EQ(back->bins[0].observables.size(), r->bins[0].observables.size());
  // Curves carry no separation power: serialised as null and read back as absent.
  const auto json = nlohmann::json::parse(text);
  bool saw_null = false;
  for (const auto& o : json["bins"][0]["observables"])
    saw_null = saw_null || o["separation_power"].is_null();
  EXPECT_TRUE(saw_null);
}

TEST(ValidationReportTest, MalformedJsonNamesTheProblem) {
  const auto r = ValidationReportFromJson(R"({"n_reference": 3})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("n_candidate"), std::string_view::npos) << r.status();
}

}  // namespace
}  // namespace cascade::physics
