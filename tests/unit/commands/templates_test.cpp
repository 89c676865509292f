// templates, template and template save (commands/templates.cpp, template.cpp,
// template_save.cpp): what the user reads and which WAGMIOS requests are made, with whose key.
#include <doctest/doctest.h>

#include "../support/world.hpp"

using namespace wagbot;
using test::envelope;
using test::has;
using test::world;
using lines = std::vector<std::string>;

namespace {

/// bob's key on @nas may read and write templates; @nas keeps one, `web`.
void with_templates(world& w) {
  w.nas.on("GET", "/api/settings", test::key_with({"templates:read", "templates:write"}),
           test::bob_nas_key);
  w.nas.on("GET", "/api/containers/templates",
           envelope(nlohmann::json::array(
               {{{"name", "web"}, {"image", "nginx:alpine"}, {"description", "static site"}}})));
  w.nas.on("GET", "/api/containers/templates/web",
           {200, test::wagmios_fixture("template_raw.json")});
  w.nas.on("POST", "/api/containers/templates", envelope({{"status", "saved"}}));
}
}  // namespace

TEST_SUITE("commands") {
  TEST_CASE("templates lists each template's name, image and description") {
    world w;
    with_templates(w);
    auto r = w.say(w.bob(), "templates");
    const auto text = r.plain();
    CHECK(text.starts_with("Templates on @nas (`template <name>` shows one):\n"));
    CHECK(has(text, "nginx:alpine"));
    CHECK(has(text, "static site"));
    CHECK(w.nas.calls() == lines{"GET /api/containers/templates"});
    CHECK(w.nas.keys_used() == lines{test::bob_nas_key});

    w.nas.on("GET", "/api/containers/templates", envelope(nlohmann::json::array()));
    CHECK(w.say(w.bob(), "templates").plain() == "No templates on @nas.");
  }

  TEST_CASE("template shows the raw template as JSON; an unknown one says so") {
    world w;
    with_templates(w);
    auto r = w.say(w.bob(), "template web");
    CHECK(r.plain().starts_with("Template `web` on @nas:\n{\n"));
    CHECK(has(r.plain(), "\"image\": \"nginx:alpine\""));
    CHECK(w.nas.calls() == lines{"GET /api/containers/templates/web"});

    w.nas.on("GET", "/api/containers/templates/gone",
             test::failure(404, "NOT_FOUND", "template not found"));
    CHECK(w.say(w.bob(), "template gone").plain() == "No template `gone` on @nas.");
  }

  TEST_CASE("template save posts the JSON with its name; what is not a JSON object is not sent") {
    world w;
    with_templates(w);
    auto r = w.say(
        w.bob(),
        R"(template save api {"image":"node:20","ports":[{"host":"3000","container":"3000"}]})");
    CHECK(r.plain() == "Template `api` saved on @nas.");
    const auto seen = w.nas.requests();
    CHECK(seen.back().line() == "POST /api/containers/templates");
    CHECK(seen.back().api_key == test::bob_nas_key);
    CHECK(nlohmann::json::parse(seen.back().body) ==
          nlohmann::json::parse(
              R"({"name":"api","image":"node:20","ports":[{"host":"3000","container":"3000"}]})"));

    w.nas.forget();
    r = w.say(w.bob(), "template save api [1,2]");
    CHECK(r.plain().starts_with("The template must be one JSON object"));
    CHECK(w.nas.calls().empty());
  }

  TEST_CASE("templates need templates:read: the default key is refused, nothing is called") {
    world w;  // settings.json has no templates scope
    auto r = w.say(w.bob(), "templates");
    CHECK(r.plain().starts_with("Your key for @nas lacks the `templates:read` scope."));
    CHECK(w.nas.calls().empty());
  }
}
